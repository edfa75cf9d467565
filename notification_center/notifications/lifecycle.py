"""The inbox lifecycle beyond read: seen, archive, unarchive, delete, one row or many.

Each change is one conditional UPDATE scoped to the user (only rows not yet in the target
state change, so parallel calls never both report a row), with the badges re-counted in
the same transaction (`service.counts`), and then one stream event to every tab of the
user on every worker. Every event carries the badges after the change (`unreadCount`,
`unseenCount`), so a tab sets them instead of computing them and never drifts.

REST routes and the UI state both call these, so the rules exist once. Bulk actions with
undo build on the same `ACTIONS` table in `notifications/bulk.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, update
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import Notification, Status, utcnow
from notification_center.notifications import service, states, visibility
from notification_center.notifications.serialize import to_wire
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster

MAX_IDS = 500  # ids per call: one statement, and an event that stays small
# An event lists the changed ids up to this many; beyond it, it says `"reload": true` (re-read
# the list) with the count instead: ten thousand ids would not fit one websocket message.
EVENT_IDS = 500


@dataclass(frozen=True)
class Action:
    """One lifecycle action: which rows it changes, how, what undo restores, and its event.

    `event` is the stream event type, `flag` the boolean it carries (`"archived": false`
    after unarchive), `restores` the columns whose previous values undo puts back."""

    name: str
    pending: Callable[[], ColumnElement[bool]]  # rows this action would still change
    values: Callable[[datetime], dict[str, Any]]
    restores: tuple[str, ...]
    event: str
    flag: str
    flag_value: bool


def _unread_status() -> Any:
    # Unread again: back to the in-app channel's delivered state ("sent").
    return case((col(Notification.status) == Status.READ.value, Status.SENT.value), else_=col(Notification.status))


ACTIONS: Mapping[str, Action] = {
    a.name: a
    for a in (
        Action(
            "read",
            lambda: col(Notification.read_at).is_(None),
            # Read implies seen.
            lambda now: {
                "read_at": now,
                "status": Status.READ.value,
                "seen_at": func.coalesce(Notification.seen_at, now),
                "updated_at": now,
            },
            ("read_at", "seen_at", "status"),
            events.READ,
            "read",
            True,
        ),
        Action(
            "unread",
            lambda: col(Notification.read_at).is_not(None),
            lambda now: {"read_at": None, "status": _unread_status(), "updated_at": now},
            ("read_at", "status"),
            events.READ,
            "read",
            False,
        ),
        Action(
            "seen",
            lambda: col(Notification.seen_at).is_(None),
            lambda now: {"seen_at": now},
            ("seen_at",),
            events.SEEN,
            "seen",
            True,
        ),
        Action(
            "archive",
            lambda: col(Notification.archived_at).is_(None),
            lambda now: {"archived_at": now, "updated_at": now},
            # Archiving a snoozed row ends its snooze (`values`); undo puts both back.
            ("archived_at", "snoozed_until"),
            events.ARCHIVED,
            "archived",
            True,
        ),
        Action(
            "unarchive",
            lambda: col(Notification.archived_at).is_not(None),
            lambda now: {"archived_at": None, "updated_at": now},
            ("archived_at",),
            events.ARCHIVED,
            "archived",
            False,
        ),
        Action(
            "delete",
            lambda: col(Notification.deleted_at).is_(None),
            lambda now: {"deleted_at": now, "updated_at": now},
            ("deleted_at",),
            events.DELETED,
            "deleted",
            True,
        ),
    )
}


@dataclass(frozen=True)
class Change:
    """What one lifecycle call did: the rows it changed, and the badges right after."""

    ids: list[str]
    counts: service.Counts
    notification: dict[str, Any] | None = None  # for single-row routes: the row as it is now
    refused: states.Refusal | None = None  # for single-row routes: the table refuses it in its state


def event_data(
    action: Action, ids: Sequence[str], count: int, counts: service.Counts, *, undo: bool = False
) -> dict[str, Any]:
    """The data of `action`'s stream event: the changed ids (or `reload` when there are more
    than EVENT_IDS), the flag, and the badges after the change.

    An undo carries the opposite flag and always `reload`: it restores several columns to
    per-row earlier values, which only the database knows."""
    data: dict[str, Any] = {
        action.flag: action.flag_value != undo,
        "count": count,
        "unreadCount": counts.unread,
        "unseenCount": counts.unseen,
    }
    if count <= EVENT_IDS:
        data["ids"] = list(ids)
    if undo or count > EVENT_IDS:
        data["reload"] = True
    return data


async def publish(user_id: str, action: Action, data: dict[str, Any]) -> None:
    """Tell every tab of the user, on every worker (the transport fans out)."""
    await get_notification_broadcaster().publish_user_event(user_id, action.event, data)


def wanted_ids(ids: Sequence[str]) -> list[str]:
    """De-duplicated ids that look like ours (odd text never reaches the driver)."""
    return [i for i in dict.fromkeys(ids) if isinstance(i, str) and service.is_notification_id(i)][:MAX_IDS]


def scope(action: Action, now: datetime) -> ColumnElement[bool]:
    """The rows `action` applies to: the states where the table (notifications/states.py) says so."""
    return visibility.in_states(states.states_where(action.name), now)


def values(action: Action, now: datetime) -> dict[str, Any]:
    """`action`'s new values, plus the end of a snooze where the table says it ends one
    (archiving a snoozed row: it must not come back to the inbox)."""
    return action.values(now) | ({"snoozed_until": None} if states.ends_snooze(action.name) else {})


def apply_to_ids(*, session: Session, user_id: str, action: Action, ids: Sequence[str]) -> list[str]:
    """Apply `action` to these of the user's rows in the states where it applies; returns the
    ids this call changed. The UPDATE is the transaction's first statement (see
    `service.mark_read` for why)."""
    wanted = wanted_ids(ids)
    if not wanted:
        return []
    now = utcnow()
    changed = session.execute(
        update(Notification)
        .where(col(Notification.id).in_(wanted), col(Notification.user_id) == user_id, scope(action, now))
        .where(action.pending())
        .values(**values(action, now))
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in changed]


def _change(user_id: str, action: Action, ids: list[str], want_row: bool) -> Change:
    with session_scope() as session:
        changed = apply_to_ids(session=session, user_id=user_id, action=action, ids=ids)
        row, refused = None, None
        if want_row and ids:
            found = service.get_for_user(session=session, user_id=user_id, notification_id=ids[0])
            row = to_wire(found) if found is not None else None
            if found is not None and not changed:  # the table's answer for its state
                refused = states.refusal_for(found, action.name, utcnow())
        return Change(changed, service.counts(session=session, user_id=user_id), row, refused)


async def change(*, user_id: str, action: str, ids: list[str], want_row: bool = False) -> Change:
    """Apply `action` (a key of ACTIONS) to rows by id, without an undo token, and tell
    every tab of the user if anything changed. `want_row`: also return the first row as it
    is now (None when it is not the user's, or deleted: the routes answer 404)."""
    spec = ACTIONS[action]
    result = await run_in_threadpool(_change, user_id, spec, ids, want_row)
    if result.ids:
        await publish(user_id, spec, event_data(spec, result.ids, len(result.ids), result.counts))
    return result


async def mark_seen(*, user_id: str, ids: list[str], want_row: bool = False) -> Change:
    """Mark rows seen and tell every tab of the user (`seen` event) if anything changed."""
    return await change(user_id=user_id, action="seen", ids=ids, want_row=want_row)


async def delete(*, user_id: str, notification_id: str) -> Change:
    """Delete one of the user's notifications for them (the row stays, with `deleted_at`,
    for audit; it is never listed, counted or replayed again). `ids` is empty when it was
    not the user's, or already deleted."""
    return await change(user_id=user_id, action="delete", ids=[notification_id])
