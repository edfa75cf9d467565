"""`python -m bench.outage_client SPEC.json OUT.json`: one client process of bench/redis_outage.py.

SPEC is `{"port": P, "cookies": [cookie per user], "streams": [user index per stream]}`. The
process opens every stream (bench/taps.py: one asyncio Protocol each), prints `ready`, and
keeps them open. A stream the server ends, or whose connection drops, reconnects as the
page's stream component does (3 s, doubling on failure, 0.5x-1.5x jitter) and resumes with
`Last-Event-ID` (the last `id:` it read). Every marker (`nc-bench-<seq>.`) is counted per
stream, with its first arrival time (`time.perf_counter()`, the system-wide monotonic clock,
which the parent compares with its own).

A line `{"drop": share, "offset": k}` on stdin cuts that share of the streams (a network blip;
they reconnect as above); it answers `dropped N`. Then a line
`{"expected": {user index: [seq, ...]}, "wait": s}`
waits until every stream has every seq of its user (or `wait` seconds pass), prints `done`,
keeps the streams open until a second line arrives on stdin, then closes them and writes OUT:
per stream its user, connects, reconnects that resumed, failed reconnect attempts, and per
seq its count and first arrival.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.taps import Tap, close_taps, next_source_host, open_taps, request_bytes

RETRY_SECONDS = 3.0  # NC_RETRY_MS and the stream component's reconnect delay
STREAM_PATH = "/api/notifications/stream"


class EndingTap(Tap):
    """A tap that also notices the server ending the response (the last chunk of a chunked
    body): granian keeps such a connection alive, so it would otherwise sit there silent."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if data.endswith(b"\r\n0\r\n\r\n") and self.transport is not None:
            self.transport.abort()


class Counts:
    def __init__(self, n: int) -> None:
        self.count: list[dict[int, int]] = [{} for _ in range(n)]
        self.first: list[dict[int, float]] = [{} for _ in range(n)]

    def record(self, seq: int, index: int, when: float) -> None:
        seen = self.count[index]
        if seq in seen:
            seen[seq] += 1
        else:
            seen[seq] = 1
            self.first[index][seq] = when


class Arrivals:
    """What open_taps wants (`record`); the counts live in Counts."""

    def __init__(self, counts: Counts) -> None:
        self.record = counts.record


async def _reconnect_forever(tap: Tap, port: int, stats: dict[str, Any], stop: asyncio.Event) -> None:
    source = next_source_host()  # the old ports sit in TIME_WAIT
    while not stop.is_set():
        assert tap.lost is not None
        await tap.lost
        if stop.is_set():
            return
        stats["drops"].append(time.perf_counter())
        attempt = 0
        while not stop.is_set():
            await asyncio.sleep(min(RETRY_SECONDS * 2**attempt, 30) * random.uniform(0.5, 1.5))
            resuming = tap.last_id is not None
            try:
                await tap.connect("127.0.0.1", port, source, timeout=30)
            except (OSError, TimeoutError, ConnectionError):
                stats["failed_attempts"] += 1
                attempt += 1
                if tap.transport is not None:
                    tap.transport.abort()
                continue
            stats["connects"] += 1
            stats["resumed"] += resuming
            stats["reconnected_at"].append(time.perf_counter())
            break


async def run(spec: dict[str, Any], out: Path) -> None:
    port, cookies, owners = spec["port"], spec["cookies"], spec["streams"]
    counts = Counts(len(owners))
    host = f"127.0.0.1:{port}"
    builds = [request_bytes(STREAM_PATH, host, cookie) for cookie in cookies]
    taps, seconds = await open_taps(
        "127.0.0.1", port, [builds[u] for u in owners], Arrivals(counts), tap_class=EndingTap
    )  # type: ignore[arg-type]
    print("ready", round(seconds, 2), flush=True)
    stop = asyncio.Event()
    per_tap = [{"connects": 1, "resumed": 0, "failed_attempts": 0, "drops": [], "reconnected_at": []} for _ in taps]
    watchers = [asyncio.create_task(_reconnect_forever(t, port, s, stop)) for t, s in zip(taps, per_tap, strict=True)]
    loop = asyncio.get_running_loop()
    while True:
        order = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
        if "drop" not in order:
            break
        # A network blip: cut every k-th stream (RST); each reconnects and resumes.
        every = max(1, round(1 / order["drop"])) if order["drop"] > 0 else 0
        cut = [t for i, t in enumerate(taps) if every and (i + order.get("offset", 0)) % every == 0]
        for tap in cut:
            tap.close()
        print("dropped", len(cut), flush=True)
    expected = {int(u): set(seqs) for u, seqs in order["expected"].items()}
    deadline = loop.time() + float(order.get("wait", 120))
    pending = set(range(len(taps)))
    while pending and loop.time() < deadline:
        pending = {i for i in pending if not expected.get(owners[i], set()) <= counts.count[i].keys()}
        if pending:
            await asyncio.sleep(0.5)
    finished = time.perf_counter()
    print("done", json.dumps({"complete": not pending}), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)  # the parent probes with our streams still open
    stop.set()
    for watcher in watchers:
        watcher.cancel()
    with contextlib.suppress(Exception):
        await asyncio.gather(*watchers, return_exceptions=True)
    result = {
        "opened_seconds": seconds,
        "finished_at": finished,
        "complete": not pending,
        "still_open": sum(t.transport is not None for t in taps),
        "streams": [
            {
                "user": owners[i],
                **per_tap[i],
                "counts": {str(k): v for k, v in counts.count[i].items()},
                "first": {str(k): v for k, v in counts.first[i].items()},
            }
            for i in range(len(taps))
        ],
    }
    close_taps(taps)
    await asyncio.to_thread(out.write_text, json.dumps(result))


def main() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    spec_path, out = sys.argv[1:3]
    asyncio.run(run(json.loads(Path(spec_path).read_text()), Path(out)))


if __name__ == "__main__":
    main()
