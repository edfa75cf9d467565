"""Grouping: sends with one `groupKey` to one user within NC_GROUP_WINDOW_SECONDS update
one inbox row instead of adding rows ("Anna and 4 others commented" is the sender's text;
the row counts the sends in `group_count`).

The updated row takes the send's new cursor, so it moves to the top of the list and every
stream delivers it as a `notification` event again, exactly like a new one: live, on
replay after a reconnect and in the sweeper's catch-up (the stream's cursor logic needs no
special case, and clients replace the row they hold by id). It becomes unread and unseen
again; badges count rows, not sends. The old cursor simply stays unused: readers already
step over cursors without a visible row (deleted, archived ones).

Only one sender's sends of one category group: a send joins a row whose latest send came
from the same operator, API key or the system (the `sends` row its `send_id` names) and has
the same category. Otherwise anyone who may send could rewrite another sender's notification
(its title, content and link, under the same id) just by reusing its `groupKey`. A draft
without a sent-history row (`send_id` None: tests and Python callers writing rows directly)
only joins rows without one.

The window is rolling: a send joins the group if the group row's latest send
(`created_at`, which every grouped send moves to now) is within the window. Only rows
still in the inbox join: an archived, deleted, snoozed or expired group starts afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, update
from sqlmodel import Session, col, select

from notification_center.models import Notification, Send
from notification_center.notifications import visibility

Sender = tuple[str, str | None]  # (sender_kind, sender_id) of a `sends` row


def sender_of_send(*, session: Session, send_id: str | None) -> Sender | None:
    """Who sent the send `send_id` (None without one): what a group row must share."""
    if send_id is None:
        return None
    found = session.exec(select(Send.sender_kind, Send.sender_id).where(col(Send.id) == send_id)).one_or_none()
    return None if found is None else (found[0], found[1])


def open_groups(
    *,
    session: Session,
    user_ids: Sequence[str],
    key: str,
    now: datetime,
    window_seconds: float,
    sender: Sender | None = None,
    category: str = "general",
) -> dict[str, str]:
    """user id -> the id of that user's group row for `key` from `sender` in `category`, for
    the users that have one (one SELECT for the whole chunk)."""
    since = now - timedelta(seconds=window_seconds)
    query = select(Notification.user_id, Notification.id, Notification.seq).where(
        col(Notification.user_id).in_(list(user_ids)),
        col(Notification.group_key) == key,
        col(Notification.category) == category,
        col(Notification.created_at) >= since,
        visibility.in_inbox(now),
    )
    if sender is None:
        query = query.where(col(Notification.send_id).is_(None))
    else:
        kind, sender_id = sender
        same_id = col(Send.sender_id).is_(None) if sender_id is None else col(Send.sender_id) == sender_id
        query = query.join(Send, col(Send.id) == col(Notification.send_id)).where(
            col(Send.sender_kind) == kind, same_id
        )
    newest: dict[str, tuple[str, int]] = {}
    for user_id, row_id, seq in session.exec(query):
        if user_id not in newest or seq > newest[user_id][1]:
            newest[user_id] = (row_id, seq)
    return {user_id: row_id for user_id, (row_id, _seq) in newest.items()}


# What a grouped send replaces: its text and look, and the row's read/seen state.
_REPLACED = (
    "type",
    "priority",
    "title",
    "content",
    "channels",
    "status",
    "created_at",
    "updated_at",
    "read_at",
    "seen_at",
    "snoozed_until",
    "expires_at",
    "category",
    "url",
    "actions",
    "action_taken",
    "send_id",
    "delivered_at",
)


def regroup(
    *, session: Session, cursors: Mapping[str, int], values: Mapping[str, Any], key: str, now: datetime
) -> list[dict[str, Any]]:
    """Fold one send into existing group rows (row id -> its new cursor) in one UPDATE;
    returns the rows as they are now (column name -> value), like freshly inserted ones.

    The UPDATE checks again that each row is still in the inbox with this key and category
    (its sender only ever changes to the same sender, by this UPDATE): an archive,
    delete or snooze may have committed since `open_groups` read it (they do not take the
    user-row lock sends take). A row it skips is missing from the answer, and the caller
    inserts a fresh row for that user instead."""
    if not cursors:
        return []
    result = session.execute(
        update(Notification)
        .where(
            col(Notification.id).in_(list(cursors)),
            col(Notification.group_key) == key,
            col(Notification.category) == values["category"],
            visibility.in_inbox(now),
        )
        .values(
            seq=case(dict(cursors), value=Notification.id),
            group_count=Notification.group_count + 1,
            **{name: values[name] for name in _REPLACED},
        )
        .returning(*Notification.__table__.c)  # type: ignore[attr-defined]
        .execution_options(synchronize_session=False)
    )
    return [dict(row._mapping) for row in result]
