"""The in-app channel: persist the notification, then publish it to the user's streams.

Status: a notification is written as `sent` in the same transaction that gives it its
cursor, and only then published. Publishing is best-effort by design: the database is
the source of truth, and any stream that misses the live message (a worker restarting,
Redis away) gets it by replay from its Last-Event-ID. It becomes `read` when read.
`pending`, `delivered` and `failed` are reserved for channels with an outside provider.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from notification_center import metrics
from notification_center.channels.base import lazy_channel
from notification_center.db import session_scope
from notification_center.models import Notification, Status, User
from notification_center.notifications.senders import SYSTEM, Sender
from notification_center.notifications.service import Draft, create_notifications
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.settings import get_settings

logger = logging.getLogger(__name__)


def _create(session: Session, draft: Draft, user_ids: Sequence[str]) -> list[dict[str, Any]]:
    window = get_settings().group_window_seconds
    return create_notifications(
        session=session, user_ids=user_ids, draft=draft, status=Status.SENT, group_window_seconds=window
    )


def _persist(draft: Draft, user_ids: list[str], sender: Sender) -> list[dict[str, Any]]:
    from notification_center.channels import pipeline  # here: the pipeline imports this module

    with session_scope() as session:
        return pipeline.persist(session=session, draft=draft, user_ids=user_ids, sender=sender)


class InAppChannelHandler:
    name = "in_app"

    def persist(
        self,
        *,
        session: Session,
        draft: Draft,
        user_ids: Sequence[str],
        notifications: Sequence[dict[str, Any]] = (),
    ) -> list[dict[str, Any]]:
        """Write the notifications in the caller's transaction (sync, in a worker thread);
        `publish` them once it committed. Called by channels/pipeline.py, which records
        the send first; in-app is the first channel, so `notifications` is empty."""
        return _create(session, draft, user_ids)

    async def publish(self, rows: Sequence[dict[str, Any]]) -> None:
        """Publish committed rows to their users' streams on every worker; never raises."""
        metrics.NOTIFICATIONS_SENT.inc(len(rows))
        try:
            await get_notification_broadcaster().broadcast_notifications(rows)
        except Exception:  # persisted already; streams catch up on resume
            logger.exception("publishing %d notifications failed", len(rows))

    async def deliver(self, notification: Draft, recipient: User | str, sender: Sender = SYSTEM) -> Notification:
        """Persist `notification` for `recipient` and broadcast it to their streams."""
        (created,) = await self.deliver_many(notification, [recipient], sender)
        return Notification(**created)

    async def deliver_many(
        self, notification: Draft, recipients: Sequence[User | str], sender: Sender = SYSTEM
    ) -> list[dict[str, Any]]:
        """All recipients in one transaction (all or nothing) through the delivery
        pipeline (one sent-history row by `sender`, the system unless told; the other
        channels' delivery rows), then one batch publish by every channel.

        Returns the created rows as dicts (see `service.create_notifications`)."""
        user_ids = [r.id if isinstance(r, User) else r for r in recipients]
        from notification_center.channels import pipeline  # here: the pipeline imports this module

        created = await run_in_threadpool(_persist, notification, user_ids, sender)
        await pipeline.publish(created)
        return created


get_in_app_channel_handler = lazy_channel(InAppChannelHandler)
