"""The inbox lifecycle beyond read: seen (and, as they grow, archive, delete, bulk, undo).

Each change is one conditional UPDATE scoped to the user, with the badges re-counted in
the same transaction (`service.counts`), and one stream event to every tab of the user on
every worker. REST routes and the UI state both call these, so the rules exist once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import Notification, utcnow
from notification_center.notifications import service, visibility
from notification_center.notifications.serialize import to_wire
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster

MAX_IDS = 500  # ids per call: one statement, and a `seen` event that stays small


@dataclass(frozen=True)
class Change:
    """What one lifecycle call did: the rows it changed, and the badges right after."""

    ids: list[str]
    counts: service.Counts
    notification: dict[str, Any] | None = None  # for single-row routes: the row as it is now


def _owned_ids(ids: Sequence[str]) -> list[str]:
    return [i for i in dict.fromkeys(ids) if service.is_notification_id(i)][:MAX_IDS]


def mark_seen_rows(*, session: Session, user_id: str, ids: Sequence[str]) -> list[str]:
    """Mark these of the user's inbox rows seen; returns the ids this call changed.

    The UPDATE is the transaction's first statement (see `service.mark_read` for why), and
    only rows still unseen change, so parallel calls never both report one row."""
    wanted = _owned_ids(ids)
    if not wanted:
        return []
    now = utcnow()
    changed = session.execute(
        update(Notification)
        .where(
            col(Notification.id).in_(wanted),
            col(Notification.user_id) == user_id,
            visibility.unseen(),
            visibility.in_inbox(now),
        )
        .values(seen_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in changed]


def _mark_seen(user_id: str, ids: list[str], want_row: bool) -> Change:
    with session_scope() as session:
        changed = mark_seen_rows(session=session, user_id=user_id, ids=ids)
        row = None
        if want_row:
            found = session.exec(
                select(Notification).where(
                    col(Notification.id) == ids[0],
                    col(Notification.user_id) == user_id,
                    col(Notification.deleted_at).is_(None),
                )
            ).one_or_none()
            row = to_wire(found) if found is not None else None
        return Change(changed, service.counts(session=session, user_id=user_id), row)


async def mark_seen(*, user_id: str, ids: list[str], want_row: bool = False) -> Change:
    """Mark rows seen and tell every tab of the user (`seen` event) if anything changed."""
    change = await run_in_threadpool(_mark_seen, user_id, ids, want_row and bool(ids))
    if change.ids:
        await get_notification_broadcaster().publish_user_event(
            user_id, events.SEEN, {"ids": change.ids, "unseenCount": change.counts.unseen}
        )
    return change
