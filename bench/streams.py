"""Many concurrent SSE streams to one target, and who received which marker when.

Each stream is its own TCP connection (as browsers' tabs would be). Streams are opened
at most `OPEN_CONCURRENCY` at a time: opening 300 at once measures the server's accept
burst, not its steady fan-out, and can trip connect timeouts on a loaded 2-core box.
"""

from __future__ import annotations

import asyncio
import time

from bench.lean_http import MarkerStream
from bench.targets import Target

OPEN_CONCURRENCY = 50
OPEN_TIMEOUT = 20.0


class Arrivals:
    """First arrival time of each marker on each stream; waits for 'all N have it'."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.duplicates = 0
        self._times: dict[int, dict[int, float]] = {}
        self._done: dict[int, asyncio.Event] = {}

    def record(self, seq: int, index: int, when: float) -> None:
        per_stream = self._times.setdefault(seq, {})
        if index in per_stream:
            self.duplicates += 1
            return
        per_stream[index] = when
        if len(per_stream) >= self.expected and (done := self._done.get(seq)) is not None:
            done.set()

    def times(self, seq: int) -> list[float]:
        return list(self._times.get(seq, {}).values())

    def count(self, seq: int) -> int:
        return len(self._times.get(seq, ()))

    async def wait_all(self, seq: int, wait_seconds: float) -> bool:
        if self.count(seq) >= self.expected:
            return True
        done = self._done.setdefault(seq, asyncio.Event())
        try:
            await asyncio.wait_for(done.wait(), wait_seconds)
        except TimeoutError:
            return False
        finally:
            self._done.pop(seq, None)
        return True


class StreamGroup:
    """N open streams of one target feeding one Arrivals."""

    def __init__(self, target: Target, n: int) -> None:
        self.target = target
        self.arrivals = Arrivals(n)
        self.streams = [
            MarkerStream(i, target.host, target.port, target.stream_path, target.stream_headers, self.arrivals.record)
            for i in range(n)
        ]
        self.open_seconds = 0.0

    async def open(self) -> StreamGroup:
        gate = asyncio.Semaphore(OPEN_CONCURRENCY)

        async def one(stream: MarkerStream) -> None:
            async with gate:
                await stream.start(OPEN_TIMEOUT)

        started = time.perf_counter()
        try:
            await asyncio.gather(*(one(s) for s in self.streams))
        except BaseException:
            await self.close()
            raise
        self.open_seconds = time.perf_counter() - started
        return self

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.streams))


async def wait_idle(target: Target, wait_seconds: float = 15.0) -> bool:
    """Until the server counts no open stream, so one step's teardown can't slow the next."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if await target.open_clients() == 0:
            return True
        await asyncio.sleep(0.1)
    return False
