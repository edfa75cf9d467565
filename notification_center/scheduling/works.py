"""Which kinds of due work this deployment runs, from the settings."""

from __future__ import annotations

from notification_center.scheduling import bulk_sends, deliveries, expiry, retention, scheduled_sends, snooze
from notification_center.scheduling.runner import DueWork, Scheduler
from notification_center.settings import Settings


def due_works(settings: Settings) -> list[DueWork]:
    batch = settings.scheduler_batch_size
    # Scheduled sends: fewer per claim, since each may reach every user in one transaction.
    works = [
        scheduled_sends.work(min(batch, scheduled_sends.BATCH)),
        snooze.work(batch),
        expiry.work(batch),
        retention.undo_work(batch),
        # Outside channels (push): one HTTP request per target, so smaller batches.
        deliveries.work(min(batch, deliveries.BATCH)),
        # Big sends a stopped or crashed worker left half written: carried on from `written`.
        bulk_sends.work(),
    ]
    if settings.retention_days > 0:
        # With a short retention (tests) check at least every few ticks, not once a minute.
        every = min(retention.EVERY_SECONDS, settings.retention_days * 86_400 / 4)
        works.append(retention.work(settings.retention_days, batch, every))
    return works


def scheduler_from(settings: Settings) -> Scheduler:
    """The scheduler one worker runs (started and stopped by lifespan.py)."""
    return Scheduler(due_works(settings), settings.scheduler_interval_seconds)
