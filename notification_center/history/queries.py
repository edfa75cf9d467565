"""Reading the sent history: pages of sends with their figures, and one send's recipients.

The figures (delivered, seen, read) are counted from the notifications of each send with
one GROUP BY per page, never stored: every node reads the same numbers, and they cannot
drift from what the rows say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from notification_center.models import BulkSend, Delivery, DeliveryStatus, Notification, Send, User
from notification_center.timefmt import iso_ms

SEND_ID = r"send_[0-9a-f]{24}"  # models.new_public_id("send")


def is_send_id(value: str) -> bool:
    return re.fullmatch(SEND_ID, value) is not None


@dataclass(frozen=True)
class Figures:
    delivered: int = 0
    seen: int = 0
    read: int = 0
    # channel -> {"pending","sent","failed","skipped","cancelled","clicked"}: outside channels only
    channels: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryFilter:
    sender: str | None = None  # the sender's label: a username, a key's name, "system"
    sender_kind: str | None = None
    type: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class HistoryPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def figures(*, session: Session, send_ids: Sequence[str]) -> dict[str, Figures]:
    """Delivered, seen and read counts of each send, in one query."""
    if not send_ids:
        return {}
    query = (
        select(
            Notification.send_id,
            func.count(col(Notification.delivered_at)),
            func.count(col(Notification.seen_at)),
            func.count(col(Notification.read_at)),
        )
        .where(col(Notification.send_id).in_(list(send_ids)))
        .group_by(col(Notification.send_id))
    )
    channels = channel_figures(session=session, send_ids=send_ids)
    return {
        send_id: Figures(int(d), int(s), int(r), channels.get(send_id, {})) for send_id, d, s, r in session.exec(query)
    }


CHANNEL_FIGURES = (*(status.value for status in DeliveryStatus), "clicked")


def channel_figures(*, session: Session, send_ids: Sequence[str]) -> dict[str, dict[str, dict[str, int]]]:
    """send id -> channel -> how many of its delivery rows are in each status, and clicked."""
    query = (
        select(Delivery.send_id, Delivery.channel, Delivery.status, func.count(), func.count(col(Delivery.clicked_at)))
        .where(col(Delivery.send_id).in_(list(send_ids)))
        .group_by(col(Delivery.send_id), col(Delivery.channel), col(Delivery.status))
    )
    found: dict[str, dict[str, dict[str, int]]] = {}
    for send_id, channel, status, count, clicked in session.exec(query):
        counts = found.setdefault(send_id, {}).setdefault(channel, dict.fromkeys(CHANNEL_FIGURES, 0))
        if status in counts:
            counts[status] += int(count)
        counts["clicked"] += int(clicked)
    return found


def progress(*, session: Session, send_ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
    """(written, done) of the sends among `send_ids` that were written in the background
    (scheduling/bulk_sends.py); the others were written whole with their history row."""
    if not send_ids:
        return {}
    query = select(BulkSend.id, BulkSend.written, BulkSend.done).where(col(BulkSend.id).in_(list(send_ids)))
    return {send_id: (written, done) for send_id, written, done in session.exec(query)}


def send_to_wire(send: Send, counts: Figures, written: tuple[int, bool] | None = None) -> dict[str, Any]:
    """`written` is a background send's progress (None: written whole, so all of it)."""
    count, done = written if written is not None else (send.recipients, True)
    return {
        "id": send.id,
        "sender": {"kind": send.sender_kind, "id": send.sender_id, "label": send.sender_label},
        "createdAt": iso_ms(send.created_at),
        "title": send.title,
        "type": send.type,
        "recipients": send.recipients,
        "state": "sent" if done else "sending",
        "written": count,
        "delivered": counts.delivered,
        "seen": counts.seen,
        "read": counts.read,
        "channels": counts.channels,
    }


def list_sends(*, session: Session, filters: HistoryFilter, limit: int = 20, before: str | None = None) -> HistoryPage:
    """Sends matching `filters`, newest first, `limit` at a time; `before` is the last id
    of the previous page (an unknown one gives an empty page)."""
    query = select(Send)
    if filters.sender is not None:
        query = query.where(Send.sender_label == filters.sender)
    if filters.sender_kind is not None:
        query = query.where(Send.sender_kind == filters.sender_kind)
    if filters.type is not None:
        query = query.where(Send.type == filters.type)
    if filters.since is not None:
        query = query.where(col(Send.created_at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(Send.created_at) < filters.until)
    if before is not None:
        anchor = session.get(Send, before)
        if anchor is None:
            return HistoryPage([], None)
        query = query.where(
            or_(
                col(Send.created_at) < anchor.created_at,
                and_(col(Send.created_at) == anchor.created_at, col(Send.id) < anchor.id),
            )
        )
    rows = list(session.exec(query.order_by(col(Send.created_at).desc(), col(Send.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    counts = figures(session=session, send_ids=[row.id for row in rows])
    written = progress(session=session, send_ids=[row.id for row in rows])
    items = [send_to_wire(row, counts.get(row.id, Figures()), written.get(row.id)) for row in rows]
    return HistoryPage(items, rows[-1].id if more and rows else None)


def send_detail(*, session: Session, send_id: str, limit: int = 100, after: str | None = None) -> dict[str, Any] | None:
    """One send with its figures and its recipients (by username, `limit` at a time after
    the username `after`): when each was delivered, seen and read. None if unknown."""
    send = session.get(Send, send_id)
    if send is None:
        return None
    query = (
        select(User.username, Notification.delivered_at, Notification.seen_at, Notification.read_at, Notification.id)
        .join(User, col(User.id) == col(Notification.user_id))
        .where(Notification.send_id == send_id)
    )
    if after is not None:
        query = query.where(col(User.username) > after)
    rows = list(session.exec(query.order_by(col(User.username)).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    counts = figures(session=session, send_ids=[send_id]).get(send_id, Figures())
    channels = channel_deliveries(session=session, notification_ids=[row[4] for row in rows])
    return {
        "send": send_to_wire(send, counts, progress(session=session, send_ids=[send_id]).get(send_id)),
        "recipients": [
            {
                "username": username,
                "deliveredAt": iso_ms(delivered) if delivered else None,
                "seenAt": iso_ms(seen) if seen else None,
                "readAt": iso_ms(read) if read else None,
                "channels": channels.get(notification_id, {}),
            }
            for username, delivered, seen, read, notification_id in rows
        ],
        "nextCursor": rows[-1][0] if more and rows else None,
    }


def channel_deliveries(*, session: Session, notification_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """notification id -> channel -> `{"status","attempts","lastError","clickedAt"}` for the outside
    channels (push, email); a channel without a row there was not used for that recipient."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    if not notification_ids:
        return found
    query = select(
        Delivery.notification_id,
        Delivery.channel,
        Delivery.status,
        Delivery.attempts,
        Delivery.last_error,
        Delivery.clicked_at,
    )
    for notification_id, channel, status, attempts, error, clicked in session.exec(
        query.where(col(Delivery.notification_id).in_(notification_ids))
    ):
        found.setdefault(notification_id, {})[channel] = {
            "status": status,
            "attempts": attempts,
            "lastError": error,
            "clickedAt": iso_ms(clicked) if clicked else None,
        }
    return found


def sender_labels(*, session: Session, limit: int = 200) -> list[str]:
    """The distinct sender labels in the history, for the page's filter."""
    query = select(Send.sender_label).distinct().order_by(col(Send.sender_label)).limit(limit)
    return list(session.exec(query))
