"""Connection samples: open streams and connected users every SAMPLE_SECONDS, in the DB.

Every worker runs one sampler (a lifespan task). Each reads the cluster-wide counts (the
transport's: Redis presence when configured, else this single worker's own) and inserts
the row of the current slot unless another worker already did, so the connections chart
has one point per slot whatever the number of workers and nodes. Old samples and old
latency rows are pruned by the same task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import StreamSample
from notification_center.monitoring import latency

logger = logging.getLogger(__name__)

SAMPLE_SECONDS = 15
KEEP_SECONDS = 2 * 3600  # the charts show one hour; keep a little more


def slot_of(epoch: float, period: int = SAMPLE_SECONDS) -> int:
    return int(epoch // period) * period


def add_sample(*, session: Session, slot: int, streams: int, users: int) -> None:
    """Insert the slot's sample unless a sample for it exists (first worker wins)."""
    dialect = session.get_bind().dialect.name
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = maker(StreamSample).values(slot=slot, streams=streams, users=users)
    session.execute(statement.on_conflict_do_nothing(index_elements=["slot"]))


def samples(*, session: Session, since: int) -> list[StreamSample]:
    query = select(StreamSample).where(col(StreamSample.slot) >= since).order_by(col(StreamSample.slot))
    return list(session.exec(query))


def _write(slot: int, streams: int, users: int) -> None:
    with session_scope() as session:
        add_sample(session=session, slot=slot, streams=streams, users=users)
        session.execute(delete(StreamSample).where(col(StreamSample.slot) < slot - KEEP_SECONDS))
        latency.prune(session=session, before_minute=(slot - KEEP_SECONDS) // 60)


# Reads (open streams, connected users) cluster-wide: the broadcaster's, passed in by the
# lifespan, so this domain module does not reach up into the transport.
ReadCounts = Callable[[], Awaitable[tuple[int, int]]]


async def sample_once(read_counts: ReadCounts, now: float | None = None) -> None:
    streams, users = await read_counts()
    slot = slot_of(time.time() if now is None else now)
    await run_in_threadpool(_write, slot, streams, users)


async def run_sampler(read_counts: ReadCounts, period: float = SAMPLE_SECONDS) -> None:
    """Sample at the start of every slot, forever (cancelled at worker shutdown)."""
    while True:
        try:
            await sample_once(read_counts)
        except Exception:  # the database or Redis away: the chart gets a gap, not a crash
            logger.warning("sampling connections failed", exc_info=True)
        await asyncio.sleep(period - time.time() % period + 0.05)
