"""Retention: notifications older than `NC_RETENTION_DAYS` are purged in the background.

A batch at a time through the scheduler's claim (claim.py: skip-locked on PostgreSQL), so
workers purging at once take disjoint rows and the purge counter in /metrics adds up across
them. Finished scheduled sends (sent, cancelled, failed) of that age go too. A stream that
resumes from a cursor whose notifications were purged is told so with a `reset` event.
Undo records of bulk actions go once their window has passed, whatever the retention.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from notification_center import metrics
from notification_center.models import Notification, ScheduledSend, ScheduledSendStatus
from notification_center.notifications import bulk
from notification_center.scheduling.claim import claim_due
from notification_center.scheduling.runner import Claimed, DueWork

BATCH = 500
# Age-based purging need not run every tick: once a minute, draining while batches are full.
EVERY_SECONDS = 60.0


def _purge(session: Session, now: datetime, limit: int, days: float) -> Claimed:
    cutoff = now - timedelta(days=days)
    notifications = Notification.__table__  # type: ignore[attr-defined]
    gone = claim_due(
        session,
        notifications,
        key=notifications.c.id,
        due=notifications.c.created_at,
        now=cutoff,
        limit=limit,
        returning=[notifications.c.id],
    )
    sends = ScheduledSend.__table__  # type: ignore[attr-defined]
    finished = claim_due(
        session,
        sends,
        key=sends.c.id,
        due=sends.c.send_at,
        now=cutoff,
        limit=limit,
        where=[sends.c.status != ScheduledSendStatus.PENDING.value],
        returning=[sends.c.id],
    )
    if gone:
        metrics.RETENTION_PURGED.labels("notifications").inc(len(gone))
    if finished:
        metrics.RETENTION_PURGED.labels("scheduled_sends").inc(len(finished))
    return Claimed(max(len(gone), len(finished)))


def work(days: float, batch_size: int = BATCH, every: float = EVERY_SECONDS) -> DueWork:
    return DueWork("retention", lambda session, now, limit: _purge(session, now, limit, days), batch_size, every)


def undo_work(batch_size: int = BATCH, every: float = EVERY_SECONDS) -> DueWork:
    """Expired undo records (and the row copies they hold), every user's."""
    return DueWork(
        "undo_purge",
        lambda session, now, limit: Claimed(bulk.purge_expired_undos(session=session, now=now, limit=limit)),
        batch_size,
        every,
    )
