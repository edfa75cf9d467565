"""Marking notifications read, and telling the user's other tabs.

The REST routes and the notification center's UI state both call these, so the rules
(owner only, idempotent, unread count taken in the same transaction as the change) and
the `read` event they publish exist once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.notifications import service
from notification_center.notifications.serialize import to_wire
from notification_center.realtime.broadcaster import get_notification_broadcaster


@dataclass(frozen=True)
class ReadResult:
    notification: dict[str, Any] | None  # the updated notification; None if not the user's
    ids: list[str]  # what this call changed (empty if it was already read)
    unread_count: int


def _mark_one(user_id: str, notification_id: str) -> ReadResult:
    with session_scope() as session:
        before = service.get_for_user(session=session, user_id=user_id, notification_id=notification_id)
        if before is None:
            return ReadResult(None, [], service.unread_count(session=session, user_id=user_id))
        changed = before.read_at is None
        updated = service.mark_read(session=session, user_id=user_id, notification_id=notification_id)
        count = service.unread_count(session=session, user_id=user_id)
        return ReadResult(to_wire(updated), [notification_id] if changed else [], count)


def _mark_all(user_id: str) -> ReadResult:
    with session_scope() as session:
        ids = service.mark_all_read(session=session, user_id=user_id)
        # Not simply 0: a notification created meanwhile is unread and stays counted.
        return ReadResult(None, ids, service.unread_count(session=session, user_id=user_id))


async def _publish(user_id: str, result: ReadResult) -> ReadResult:
    if result.ids:
        await get_notification_broadcaster().publish_read_state(user_id, result.ids, result.unread_count)
    return result


async def mark_read(*, user_id: str, notification_id: str) -> ReadResult:
    return await _publish(user_id, await run_in_threadpool(_mark_one, user_id, notification_id))


async def mark_all_read(*, user_id: str) -> ReadResult:
    return await _publish(user_id, await run_in_threadpool(_mark_all, user_id))
