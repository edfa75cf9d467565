"""The delivery-latency histogram: fixed buckets per minute, summed across workers.

Exact percentiles would need every latency; at thousands of deliveries a second that is a
scan per chart refresh. Counts per bucket (like a Prometheus histogram) add up across
workers and nodes, and a percentile is read as the upper edge of the bucket it falls in.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import delete, insert
from sqlmodel import Session, col, func, select

from notification_center.models import DeliveryLatency

# Upper edges in milliseconds. Replays of notifications sent while a user was offline
# land in the long buckets (hours), live deliveries in the short ones.
BUCKETS_MS: tuple[int, ...] = (
    5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
    300_000, 900_000, 3_600_000, 21_600_000, 86_400_000, 2_147_483_647,
)  # fmt: skip


def bucket_of(ms: float) -> int:
    """The upper edge of the bucket holding a latency of `ms` milliseconds."""
    return BUCKETS_MS[min(bisect.bisect_left(BUCKETS_MS, ms), len(BUCKETS_MS) - 1)]


def percentile(histogram: Mapping[int, int], fraction: float) -> int | None:
    """The bucket edge (ms) below which `fraction` of the counted latencies fall."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted, seen = fraction * total, 0
    for edge in sorted(histogram):
        seen += histogram[edge]
        if seen >= wanted:
            return edge
    return max(histogram)


def add(*, session: Session, histogram: Mapping[tuple[int, int], int]) -> None:
    """Add `{(epoch minute, bucket edge): count}` to the stored histogram (one insert)."""
    rows = [{"minute": m, "bucket_ms": b, "count": n} for (m, b), n in histogram.items() if n]
    if rows:
        session.execute(insert(DeliveryLatency), rows)


def per_minute(*, session: Session, since_minute: int) -> dict[int, dict[int, int]]:
    """`{epoch minute: {bucket edge: count}}` from `since_minute` on."""
    query = (
        select(DeliveryLatency.minute, DeliveryLatency.bucket_ms, func.sum(DeliveryLatency.count))
        .where(col(DeliveryLatency.minute) >= since_minute)
        .group_by(col(DeliveryLatency.minute), col(DeliveryLatency.bucket_ms))
    )
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for minute, edge, count in session.exec(query):
        found[int(minute)][int(edge)] = int(count)
    return dict(found)


def prune(*, session: Session, before_minute: int) -> None:
    session.execute(delete(DeliveryLatency).where(col(DeliveryLatency.minute) < before_minute))
