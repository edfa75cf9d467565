"""Scenario A (fan-out latency) and B (send throughput), on several targets at once.

Targets are measured interleaved, not one after the other: for each N (or K) all of
them hold their streams open together, and sends alternate between them (in swapped
order every round, or in alternating time slices). A burst of noise from the rest of the
box then hits every target alike, which is what makes the ratios stable even though the
absolute numbers are not.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.lean_http import Connection
from bench.stats import summarize
from bench.streams import StreamGroup, wait_idle
from bench.targets import Target

SEND_GAP = 0.005  # a breath between sends, so each one is measured on a settled server
DELIVERY_TIMEOUT = 10.0
WARMUP_SLICE = 0.3


@contextlib.asynccontextmanager
async def _streams(targets: Sequence[Target], n: int) -> AsyncIterator[dict[str, StreamGroup]]:
    """n streams per target, closed afterwards, then waits until every server saw them go."""
    groups: dict[str, StreamGroup] = {}
    try:
        for target in targets:
            groups[target.name] = await StreamGroup(target, n).open()
        yield groups
    finally:
        for group in groups.values():
            await group.close()
        for target in targets:
            if not await wait_idle(target):
                print(f"  warning: {target.name} still counts open streams after closing them")


async def _post(target: Target, conn: Connection) -> tuple[int, float, float]:
    """One send: (seq, start time, POST round trip in ms)."""
    seq, body = target.next_send()
    started = time.perf_counter()
    response = await conn.request("POST", target.send_path, body)
    post_ms = (time.perf_counter() - started) * 1000
    if response.status != target.send_status:
        raise RuntimeError(f"{target.name} send: HTTP {response.status} {response.body[:300]!r}")
    return seq, started, post_ms


def _alternating(targets: Sequence[Target], round_no: int) -> Sequence[Target]:
    return targets if round_no % 2 == 0 else targets[::-1]


@dataclass
class FanoutSeries:
    """Per target and N: every send's POST time and every stream's delivery latency."""

    sent_at_s: list[float] = field(default_factory=list)  # since the streams were open (vs ping period)
    post_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)  # first stream to receive each send
    last_ms: list[float] = field(default_factory=list)  # last stream: the send is fully fanned out
    deliveries_ms: list[float] = field(default_factory=list)  # every (send, stream) pair
    lost: int = 0
    server_cpu_ms_per_send: float = float("nan")  # every round, warm-up included

    def add(self, sent_at_s: float, post_ms: float, deliveries_ms: list[float], lost: int) -> None:
        self.sent_at_s.append(sent_at_s)
        self.post_ms.append(post_ms)
        self.deliveries_ms += deliveries_ms
        if deliveries_ms:
            self.first_ms.append(min(deliveries_ms))
            self.last_ms.append(max(deliveries_ms))
        self.lost += lost

    def to_json(self) -> dict[str, Any]:
        return {
            "delivery": summarize(self.deliveries_ms),
            "all_received": summarize(self.last_ms),
            "first_received": summarize(self.first_ms),
            "post": summarize(self.post_ms),
            "lost_deliveries": self.lost,
            "server_cpu": {"ms_per_send": round(self.server_cpu_ms_per_send, 3)},
            "raw": {
                "sent_at_s": [round(x, 3) for x in self.sent_at_s],
                "post_ms": [round(x, 3) for x in self.post_ms],
                "first_received_ms": [round(x, 3) for x in self.first_ms],
                "all_received_ms": [round(x, 3) for x in self.last_ms],
            },
        }


async def fanout(targets: Sequence[Target], n: int, sends: int, warmup: int) -> dict[str, dict[str, Any]]:
    """Scenario A: one notification at a time; latency from just before the POST until
    each of the n streams has it. The next send starts once all n have it (or timed out)."""
    series = {t.name: FanoutSeries() for t in targets}
    conns = {t.name: t.connection() for t in targets}
    async with _streams(targets, n) as groups:
        opened_at = time.perf_counter()
        cpu_before = {t.name: t.cpu_seconds() for t in targets}
        try:
            for round_no in range(warmup + sends):
                for target in _alternating(targets, round_no):
                    arrivals = groups[target.name].arrivals
                    seq, started, post_ms = await _post(target, conns[target.name])
                    await arrivals.wait_all(seq, DELIVERY_TIMEOUT)
                    deliveries = [(t - started) * 1000 for t in arrivals.times(seq)]
                    if round_no >= warmup:
                        at = started - opened_at
                        series[target.name].add(at, post_ms, deliveries, n - len(deliveries))
                    await asyncio.sleep(SEND_GAP)
            for target in targets:
                used = target.cpu_seconds() - cpu_before[target.name]
                series[target.name].server_cpu_ms_per_send = used * 1000 / (warmup + sends)
        finally:
            for conn in conns.values():
                await conn.close()
        opened = {name: round(g.open_seconds, 3) for name, g in groups.items()}
    return {name: {**s.to_json(), "open_seconds": opened[name]} for name, s in series.items()}


async def _send_for(target: Target, conn: Connection, seconds: float) -> tuple[list[int], float, list[float]]:
    """Sequential sends for `seconds`: (seqs sent, elapsed seconds, POST times in ms)."""
    seqs, posts = [], []
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        seq, _, post_ms = await _post(target, conn)
        seqs.append(seq)
        posts.append(post_ms)
    return seqs, time.perf_counter() - started, posts


async def throughput(targets: Sequence[Target], k: int, slices: int, seconds: float) -> dict[str, dict[str, Any]]:
    """Scenario B: sequential POSTs (the app persists and publishes each) with k streams
    of the recipient connected and reading; notifications/s over alternating time slices."""
    conns = {t.name: t.connection() for t in targets}
    sent: dict[str, list[int]] = {t.name: [] for t in targets}
    elapsed = {t.name: 0.0 for t in targets}
    posts: dict[str, list[float]] = {t.name: [] for t in targets}
    rates: dict[str, list[float]] = {t.name: [] for t in targets}
    lost: dict[str, int] = {}
    async with _streams(targets, k) as groups:
        try:
            for target in targets:
                await _send_for(target, conns[target.name], WARMUP_SLICE)
            cpu_before = {t.name: t.cpu_seconds() for t in targets}
            for slice_no in range(slices):
                for target in _alternating(targets, slice_no):
                    seqs, spent, post_ms = await _send_for(target, conns[target.name], seconds)
                    sent[target.name] += seqs
                    elapsed[target.name] += spent
                    posts[target.name] += post_ms
                    rates[target.name].append(round(len(seqs) / spent, 1))
            for target in targets:  # every stream must have had every send
                arrivals = groups[target.name].arrivals
                if k and sent[target.name]:
                    await arrivals.wait_all(sent[target.name][-1], DELIVERY_TIMEOUT)
                lost[target.name] = sum(k - arrivals.count(seq) for seq in sent[target.name]) if k else 0
            cpu = {t.name: t.cpu_seconds() - cpu_before[t.name] for t in targets}  # deliveries included
        finally:
            for conn in conns.values():
                await conn.close()
    return {
        t.name: {
            "sends": len(sent[t.name]),
            "seconds": round(elapsed[t.name], 3),
            "per_s": round(len(sent[t.name]) / elapsed[t.name], 1),
            "slice_per_s": rates[t.name],
            "post": summarize(posts[t.name]),
            "server_cpu": {"ms_per_send": round(cpu[t.name] * 1000 / max(1, len(sent[t.name])), 3)},
            "lost_deliveries": lost[t.name],
        }
        for t in targets
    }
