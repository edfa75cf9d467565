"""The two run profiles: sizes and repetition counts chosen to fit the time budget.

Full mode must finish in under ~3 minutes and quick mode in under ~40 s on a 2-core box,
including server start-up (about 5 s), so the counts below are as large as that allows.
"""

from __future__ import annotations

from dataclasses import dataclass

# A short keep-alive ping for both servers (`--ping` overrides it). The app also re-checks
# each stream's session at this period, so a short value makes it do *more* background
# work than the default 30 s would: latencies here are, if anything, pessimistic for it.
PING_SECONDS = 5.0
# High enough that one user may hold every stream of the largest fan-out.
MAX_STREAMS_PER_USER = 1000


@dataclass(frozen=True)
class Profile:
    name: str
    fanout_sizes: tuple[int, ...]  # scenario A: concurrent streams N
    fanout_sends: int  # measured notifications per N (per server)
    warmup_sends: int  # discarded notifications per N (per server)
    throughput_streams: tuple[int, ...]  # scenario B: streams K connected while sending
    throughput_slices: int  # alternating time slices per server and K
    slice_seconds: float
    redis_sizes: tuple[int, ...]  # scenario C
    redis_sends: int
    budget_seconds: float  # scenario C is skipped when A and B already used 70% of this


FULL = Profile(
    name="full",
    fanout_sizes=(10, 100, 300),
    fanout_sends=60,
    warmup_sends=5,
    throughput_streams=(1, 100),
    throughput_slices=6,
    slice_seconds=2.0,
    redis_sizes=(10, 100, 300),
    redis_sends=40,
    budget_seconds=180,
)

QUICK = Profile(
    name="quick",
    fanout_sizes=(10, 100),
    fanout_sends=20,
    warmup_sends=2,
    throughput_streams=(10,),
    throughput_slices=2,
    slice_seconds=1.0,
    redis_sizes=(10,),
    redis_sends=20,
    budget_seconds=40,
)
