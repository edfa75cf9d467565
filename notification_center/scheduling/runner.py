"""The scheduler: one task per worker that runs every kind of due work in batches.

Every `NC_SCHEDULER_INTERVAL_SECONDS` it asks each `DueWork` to claim and handle what is due
(in a worker thread, one transaction per batch: see claim.py), then awaits what the work
publishes once that committed. A full batch is followed at once by the next, so a backlog
(after a restart, say) drains at database speed rather than one batch per tick. Nothing is
kept in memory between ticks: the due times are in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from notification_center import metrics
from notification_center.db import session_scope
from notification_center.models import utcnow
from notification_center.monitoring import dependencies
from notification_center.outages import classify

logger = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 10.0


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Claimed:
    """What one claim took and did in its transaction, and what to publish after the commit."""

    count: int = 0
    publish: Callable[[], Awaitable[None]] = _nothing
    due_times: Sequence[datetime] = ()  # of the claimed items, for the lag metric


@dataclass(frozen=True)
class DueWork:
    """One kind of time-based work. `claim(session, now, limit)` runs in a worker thread
    inside a transaction; it claims at most `limit` due items (claim.claim_due) and does
    their database work there. `every` spaces runs of slow-moving work (retention)."""

    name: str
    claim: Callable[[Session, datetime, int], Claimed]
    batch_size: int
    every: float = 0.0


def _claim_in_transaction(work: DueWork) -> Claimed:
    with session_scope() as session:
        return work.claim(session, utcnow(), work.batch_size)


def _lag_seconds(now: datetime, due: datetime) -> float:
    if due.tzinfo is None:  # SQLite returns naive datetimes; they were stored as UTC
        due = due.replace(tzinfo=now.tzinfo)
    return max((now - due).total_seconds(), 0.0)


@dataclass
class Scheduler:
    works: Sequence[DueWork]
    interval: float
    _task: asyncio.Task[None] | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _next_run: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="nc-scheduler")

    async def stop(self) -> None:
        """Let the current batch finish (claimed work is published), then end."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT_SECONDS)
            self._task.cancel()
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            await self.run_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)

    async def run_once(self) -> int:
        """One tick: every work that is due to run, batch after batch until a short one."""
        handled = 0
        for work in self.works:
            if self._next_run.get(work.name, 0.0) > time.monotonic():
                continue
            self._next_run[work.name] = time.monotonic() + work.every
            handled += await self._drain(work)
        return handled

    async def _drain(self, work: DueWork) -> int:
        handled = 0
        while not self._stopping.is_set():
            try:
                claimed = await run_in_threadpool(_claim_in_transaction, work)
            except Exception as exc:  # the database is away or the work failed: try again next tick
                # Nothing was claimed (the transaction rolled back): the work waits, none is lost.
                if (outage := classify(exc)) is not None:
                    dependencies.record_outage(outage)
                    logger.warning("scheduled work %r paused: %s", work.name, outage.message())
                else:
                    logger.exception("scheduled work %r failed", work.name)
                return handled
            if claimed.count:
                handled += claimed.count
                metrics.SCHEDULED_DONE.labels(work.name).inc(claimed.count)
                now = utcnow()
                for due in claimed.due_times:
                    metrics.SCHEDULER_LAG.labels(work.name).observe(_lag_seconds(now, due))
                try:
                    await claimed.publish()
                except Exception:  # committed already; the database stays right
                    logger.exception("publishing after scheduled work %r failed", work.name)
            if claimed.count < work.batch_size:
                return handled
        return handled
