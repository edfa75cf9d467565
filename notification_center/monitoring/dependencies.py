"""Whether the database and Redis answer, and how long they did not: one probe for
GET /api/health and for the metrics.

Every worker probes both every `NC_DEPENDENCY_PROBE_SECONDS` (a `SELECT 1`, the transport's
own health check) and keeps `/metrics` honest while nobody asks: `nc_dependency_up` is 1 or
0, `nc_dependency_degraded_seconds_total` grows by the probe interval while one is away,
and `nc_dependency_errors_total` counts each request, page event or scheduler tick that met
an outage (recorded where it is answered: api/outage_handler.py, state/outage_toast.py,
scheduling/runner.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from prometheus_client import Counter, Gauge
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from notification_center.db import get_engine
from notification_center.outages import Outage
from notification_center.realtime.broadcaster import get_notification_broadcaster

logger = logging.getLogger(__name__)

DATABASE, REDIS = "database", "redis"
REDIS_PROBE_TIMEOUT_SECONDS = 2.0

DEPENDENCY_ERRORS = Counter(
    "nc_dependency_errors_total",
    "Requests, page events and scheduler ticks that met an outage",
    ["dependency", "reason"],
)
DEPENDENCY_UP = Gauge("nc_dependency_up", "1 while the dependency answered this worker's last probe", ["dependency"])
DEGRADED_SECONDS = Counter(
    "nc_dependency_degraded_seconds_total", "Time this worker saw the dependency away (probe intervals)", ["dependency"]
)


def record_outage(outage: Outage) -> None:
    DEPENDENCY_ERRORS.labels(outage.dependency, outage.reason).inc()


def _database_ok() -> bool:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to answer is "away" for the probe
        return False


async def database_ok() -> bool:
    return await run_in_threadpool(_database_ok)


async def redis_status() -> str:
    """The transport's answer: "ok", "error", or "disabled" (in-memory, no Redis)."""
    try:
        return await asyncio.wait_for(get_notification_broadcaster().transport.health(), REDIS_PROBE_TIMEOUT_SECONDS)
    except Exception:  # a timeout or a refused connection: Redis is away
        return "error"


async def probe_once(elapsed: float) -> dict[str, bool | None]:
    """Probe both, update the gauges, and count `elapsed` (the time since the last probe)
    as degraded for each one away."""
    db_up, redis = await asyncio.gather(database_ok(), redis_status())
    states: dict[str, bool | None] = {DATABASE: db_up, REDIS: None if redis == "disabled" else redis != "error"}
    for name, up in states.items():
        if up is None:
            continue
        DEPENDENCY_UP.labels(name).set(1 if up else 0)
        if not up:
            DEGRADED_SECONDS.labels(name).inc(elapsed)
    return states


async def run_probe(interval: float) -> None:
    """Until cancelled (the worker's lifespan). A probe waiting on a dead database takes as
    long as its connect timeout: the time counted is the real time between probes."""
    last = time.monotonic() - interval
    while True:
        started = time.monotonic()
        with contextlib.suppress(Exception):  # the probe itself never takes the worker down
            await probe_once(started - last)
        last = started
        await asyncio.sleep(max(interval - (time.monotonic() - started), 0.05))
