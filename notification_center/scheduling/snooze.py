"""Snooze: a notification leaves the inbox (list and badges) until a time, then comes back.

`snoozed_until` is the due time; the visibility rule (notifications/visibility.py) hides
the row while it is ahead. Snoozing, un-snoozing early and the return are each one
conditional UPDATE, and each tells every tab of the user with one `updated` event
(`{"notification", "unreadCount", "unseenCount"}`): a tab drops a row that is snoozed and
shows one that is not. The return is claimed by the scheduler (claim.py), which clears
`snoozed_until` in the claiming statement: once, however many workers and nodes poll.
An unread row comes back unseen too, so the unseen badge shows the reminder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import case, false, update
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import Notification, utcnow
from notification_center.notifications import service, states, visibility
from notification_center.notifications.schemas import check_future
from notification_center.notifications.serialize import to_wire
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.scheduling.claim import claim_due
from notification_center.scheduling.runner import Claimed, DueWork

BATCH = 500


@dataclass(frozen=True)
class SnoozeResult:
    notification: dict[str, Any] | None  # the row as it is now; None: not this user's (or gone)
    counts: service.Counts
    changed: bool
    refused: states.Refusal | None = None  # the table refuses it in the row's state


def updated_event_data(notification: dict[str, Any], counts: service.Counts) -> dict[str, Any]:
    return {"notification": notification, "unreadCount": counts.unread, "unseenCount": counts.unseen}


def _owned(notification_id: str, user_id: str, now: datetime, act: states.Act) -> list[Any]:
    """The user's row, in a state where `act` applies (notifications/states.py)."""
    return [
        col(Notification.id) == notification_id,
        col(Notification.user_id) == user_id,
        visibility.in_states(states.states_where(act), now),
    ]


def _change(user_id: str, notification_id: str, until: datetime | None) -> SnoozeResult:
    """Snooze until `until`, or (None) un-snooze; one conditional UPDATE, then the badges."""
    with session_scope() as session:
        now = utcnow()
        act = states.Act.UNSNOOZE if until is None else states.Act.SNOOZE
        where = _owned(notification_id, user_id, now, act) if service.is_notification_id(notification_id) else [false()]
        if until is None:
            where.append(col(Notification.snoozed_until).is_not(None))
        changed = session.execute(
            update(Notification)
            .where(*where)
            .values(snoozed_until=until, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        row = service.get_for_user(session=session, user_id=user_id, notification_id=notification_id)
        counts = service.counts(session=session, user_id=user_id)
        if row is None or row.deleted_at is not None:
            return SnoozeResult(None, counts, False)
        refused = None if changed else states.refusal_for(row, act, now)
        return SnoozeResult(to_wire(row), counts, bool(changed), refused)


async def _apply(user_id: str, notification_id: str, until: datetime | None) -> SnoozeResult:
    result = await run_in_threadpool(_change, user_id, notification_id, until)
    if result.changed and result.notification is not None:
        data = updated_event_data(result.notification, result.counts)
        await get_notification_broadcaster().publish_user_event(user_id, events.UPDATED, data)
    return result


async def snooze(*, user_id: str, notification_id: str, until: datetime) -> SnoozeResult:
    """Hide one of the user's inbox rows until `until` (ValueError unless it is ahead of now
    and within a year). `notification` is None if the row is not this user's or not in the
    inbox (deleted, archived, expired)."""
    return await _apply(user_id, notification_id, check_future(until))


async def unsnooze(*, user_id: str, notification_id: str) -> SnoozeResult:
    """Bring a snoozed row back now; a row that is not snoozed stays as it is (no event)."""
    return await _apply(user_id, notification_id, None)


def _return_due(session: Session, now: datetime, limit: int) -> Claimed:
    table = Notification.__table__  # type: ignore[attr-defined]
    returned = claim_due(
        session,
        table,
        key=table.c.id,
        due=table.c.snoozed_until,
        now=now,
        limit=limit,
        where=[table.c.snoozed_until.is_not(None)],
        # A reminder: an unread row comes back unseen, so the unseen badge shows it again.
        values={
            "snoozed_until": None,
            "updated_at": now,
            "seen_at": case((table.c.read_at.is_(None), None), else_=table.c.seen_at),
        },
        returning=list(table.c),
    )
    # Deleted or archived while snoozed: the snooze ends quietly, nothing comes back.
    back = [row._mapping for row in returned if row.deleted_at is None and row.archived_at is None]
    back = [row for row in back if row["expires_at"] is None or _aware(row["expires_at"]) > now]
    counts = service.counts_many(session=session, user_ids={row["user_id"] for row in back})
    by_user: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in back:
        by_user[row["user_id"]].append(to_wire(row))
    published = [
        (user_id, events.UPDATED, updated_event_data(wire, counts[user_id]))
        for user_id, wires in by_user.items()
        for wire in wires
    ]
    return Claimed(len(returned), partial(get_notification_broadcaster().publish_user_events, published))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def work(batch_size: int = BATCH) -> DueWork:
    return DueWork("snooze_returns", _return_due, batch_size)
