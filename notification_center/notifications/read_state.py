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
from notification_center.models import utcnow
from notification_center.notifications import service, states
from notification_center.notifications.serialize import to_wire
from notification_center.realtime.broadcaster import get_notification_broadcaster


@dataclass(frozen=True)
class ReadResult:
    notification: dict[str, Any] | None  # the updated notification; None if not the user's
    ids: list[str]  # what this call changed (empty if it was already read)
    counts: service.Counts
    refused: states.Refusal | None = None  # the table refuses reading a row in its state

    @property
    def unread_count(self) -> int:
        return self.counts.unread


@dataclass(frozen=True)
class ReadAllResult:
    updated: int  # how many this call changed
    up_to: int  # every notification of the user with a cursor up to this one is read now
    counts: service.Counts  # ones created meanwhile stay unread and counted

    @property
    def unread_count(self) -> int:
        return self.counts.unread


def _mark_one(user_id: str, notification_id: str) -> ReadResult:
    with session_scope() as session:
        updated, changed = service.mark_read(session=session, user_id=user_id, notification_id=notification_id)
        count = service.counts(session=session, user_id=user_id)
        if updated is None:
            return ReadResult(None, [], count)
        refused = None if changed else states.refusal_for(updated, states.Act.READ, utcnow())
        return ReadResult(to_wire(updated), [notification_id] if changed else [], count, refused)


def _mark_all(user_id: str) -> ReadAllResult:
    with session_scope() as session:
        updated, up_to = service.mark_all_read(session=session, user_id=user_id)
        # Not simply 0: a notification created meanwhile is unread and stays counted.
        return ReadAllResult(updated, up_to, service.counts(session=session, user_id=user_id))


async def mark_read(*, user_id: str, notification_id: str) -> ReadResult:
    result = await run_in_threadpool(_mark_one, user_id, notification_id)
    if result.ids:  # only the call that changed it tells the other tabs
        await get_notification_broadcaster().publish_read_state(
            user_id, result.ids, result.counts.unread, result.counts.unseen
        )
    return result


async def mark_all_read(*, user_id: str) -> ReadAllResult:
    result = await run_in_threadpool(_mark_all, user_id)
    if result.updated:
        # A bound, not every id: tens of thousands of ids would not fit one websocket message.
        await get_notification_broadcaster().publish_read_up_to(
            user_id, result.up_to, result.counts.unread, result.counts.unseen
        )
    return result


def read_ids_among(*, user_id: str, ids: list[str]) -> list[str]:
    """Which of these (loaded) ids are read now: how a view that holds ids, not cursors,
    applies a `read` event with `upTo`. Blocking: call it in a thread."""
    with session_scope() as session:
        return service.read_ids_among(session=session, user_id=user_id, ids=ids)
