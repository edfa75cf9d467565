"""Delivery tracking: `delivered_at` is stamped when a stream first writes a notification.

The stream's write path must stay as cheap as it is (it runs once per notification per
open stream), so it only appends `(notification id, time written)` to this worker's list
(`pending.append`, bound once). One task per worker flushes the list about every second,
off the event loop: per 100 ms of write time one `UPDATE ... WHERE id IN (...) AND
delivered_at IS NULL` (so the first write wins, across tabs, workers and nodes), whose
RETURNING rows feed the delivery-latency histogram (monitoring/latency.py) with the exact
latency of each first delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import Notification
from notification_center.monitoring import latency

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
CHUNK = 500  # ids per statement
MAX_PENDING = 200_000  # kept for a retry while the database is away; beyond, dropped


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite: naive UTC


def write_deliveries(batch: list[tuple[str, float]]) -> int:
    """Stamp the first delivery of each id in `batch` and record its latency; returns how
    many notifications were delivered for the first time."""
    first: dict[str, float] = {}
    for notification_id, written in batch:
        if written < first.get(notification_id, float("inf")):
            first[notification_id] = written
    groups: dict[int, list[str]] = defaultdict(list)
    for notification_id, written in first.items():
        groups[int(written * 10)].append(notification_id)
    histogram: dict[tuple[int, int], int] = defaultdict(int)
    stamped = 0
    with session_scope() as session:
        for tick in sorted(groups):  # oldest first: an id's earliest write wins
            ids = groups[tick]
            at = datetime.fromtimestamp(min(first[i] for i in ids), UTC)
            for start in range(0, len(ids), CHUNK):
                result = session.execute(
                    update(Notification)
                    .where(col(Notification.id).in_(ids[start : start + CHUNK]))
                    .where(col(Notification.delivered_at).is_(None))
                    .values(delivered_at=at)
                    .returning(Notification.id, Notification.created_at)
                )
                for notification_id, created in result:
                    written = first[notification_id]
                    ms = max(written - _as_utc(created).timestamp(), 0.0) * 1000
                    histogram[(int(written // 60), latency.bucket_of(ms))] += 1
                    stamped += 1
        latency.add(session=session, histogram=histogram)
    return stamped


class DeliveryRecorder:
    """Collects this worker's stream writes; flushes them in one batch about every second."""

    def __init__(self, interval: float = FLUSH_SECONDS) -> None:
        self.interval = interval
        # Streams hold `pending.append` itself: flushing copies and clears this same list.
        self.pending: list[tuple[str, float]] = []
        self._task: asyncio.Task | None = None

    def ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="delivery-recorder")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()

    async def flush(self) -> None:
        if not self.pending:
            return
        batch = self.pending[:]
        self.pending.clear()  # same loop, no await in between: nothing is lost
        try:
            await run_in_threadpool(write_deliveries, batch)
        except Exception:
            logger.exception("recording %d deliveries failed; retrying at the next flush", len(batch))
            if len(self.pending) + len(batch) <= MAX_PENDING:
                self.pending[:0] = batch

    async def stop(self) -> None:
        """End the task and write what is left (at worker shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()


_recorder: DeliveryRecorder | None = None


def get_delivery_recorder() -> DeliveryRecorder:
    global _recorder
    if _recorder is None:
        _recorder = DeliveryRecorder()
    return _recorder
