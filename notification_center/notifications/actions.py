"""Taking one of a notification's actions (`POST /api/notifications/{id}/action`): records
the user's choice, first one wins, and tells every tab. Which links and actions a send may
carry is notifications/links.py (checked at send time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import col, func
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import Notification, Status, utcnow
from notification_center.notifications import service, states
from notification_center.notifications.serialize import to_wire
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster


class ActionError(ValueError):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ActionTaken:
    notification: dict[str, Any]
    changed: bool  # this call recorded the choice (False: the same choice was made before)
    newly_read: bool
    counts: service.Counts


def _take(user_id: str, notification_id: str, action_id: str) -> ActionTaken:
    with session_scope() as session:
        row = service.get_for_user(session=session, user_id=user_id, notification_id=notification_id)
        if row is None or row.deleted_at is not None:
            raise ActionError(404, f"no notification {notification_id!r}")
        refused = states.refusal_for(row, states.Act.ACTION, utcnow())  # notifications/states.py
        if refused is not None:
            raise ActionError(refused.status, refused.message)
        offered = [a.get("id") for a in row.actions or [] if isinstance(a, dict)]
        if action_id not in offered:
            choices = ", ".join(repr(a) for a in offered) or "none"
            raise ActionError(
                422, f"actionId: {action_id!r} is not an action of this notification ({choices})", "actionId"
            )
        was_unread = row.read_at is None
        now = utcnow()
        # Conditional: of concurrent choices exactly one is recorded; the first one wins.
        result = session.execute(
            update(Notification)
            .where(
                col(Notification.id) == notification_id,
                col(Notification.user_id) == user_id,
                col(Notification.action_taken).is_(None),
            )
            .values(
                action_taken=action_id,
                read_at=func.coalesce(Notification.read_at, now),
                seen_at=func.coalesce(Notification.seen_at, now),
                status=Status.READ.value,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        changed = result.rowcount == 1
        session.refresh(row)
        if not changed and row.action_taken != action_id:
            raise ActionError(
                409, f"actionId: {row.action_taken!r} was chosen already; the first choice stands", "actionId"
            )
        counts = service.counts(session=session, user_id=user_id)
        return ActionTaken(to_wire(row), changed, changed and was_unread, counts)


async def take_action(*, user_id: str, notification_id: str, action_id: str) -> ActionTaken:
    """Record the user's choice (first one wins), mark the notification read, and tell
    every tab of the user: `updated` with the row and the badges (and `read`, for views
    that only follow read state)."""
    result = await run_in_threadpool(_take, user_id, notification_id, action_id)
    if result.changed:
        broadcaster = get_notification_broadcaster()
        data = {
            "notification": result.notification,
            "unreadCount": result.counts.unread,
            "unseenCount": result.counts.unseen,
        }
        await broadcaster.publish_user_event(user_id, events.UPDATED, data)
        if result.newly_read:
            await broadcaster.publish_read_state(user_id, [notification_id], result.counts.unread, result.counts.unseen)
    return result
