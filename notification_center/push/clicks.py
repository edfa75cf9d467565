"""A click on a push (reported by the service worker, web/sw.js): the notification is
read, through the same service as POST /api/notifications/{id}/read (so every tab hears
it), and the push delivery is stamped clicked for the history's figures."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import Delivery, utcnow
from notification_center.notifications import read_state
from notification_center.push.channel import NAME


def stamp(*, session: Session, user_id: str, notification_id: str) -> bool:
    """The first click only; False when there was no push delivery of it (or it was stamped)."""
    result = session.exec(
        update(Delivery)
        .where(
            col(Delivery.channel) == NAME,
            col(Delivery.notification_id) == notification_id,
            col(Delivery.user_id) == user_id,
            col(Delivery.clicked_at).is_(None),
        )
        .values(clicked_at=utcnow())
    )
    return bool(result.rowcount)


def _stamp(user_id: str, notification_id: str) -> bool:
    with session_scope() as session:
        return stamp(session=session, user_id=user_id, notification_id=notification_id)


async def record_click(*, user_id: str, notification_id: str) -> read_state.ReadResult:
    """Read it (None notification: not this user's, nothing stamped), then stamp the click."""
    result = await read_state.mark_read(user_id=user_id, notification_id=notification_id)
    if result.notification is not None:
        await run_in_threadpool(_stamp, user_id, notification_id)
    return result
