"""Thousands of SSE streams in one client process: one asyncio Protocol each, no task.

At 18,000 streams the client shares two cores with the server, so each stream costs the
client as little as it can: no task, no HTTP parser, a regex over the bytes that arrive.
A tap notes when each marker (`nc-bench-<seq>.`, in a notification's title) first
arrives and remembers the last SSE `id:`, so it can resume with `Last-Event-ID` after a
server restart (scenario D), like a browser does. A WebSocket tap (`ws_request_bytes`) is
the same Protocol: the server's frames are unmasked, so the markers read the same in them.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable

MARKER = re.compile(rb"nc-bench-(\d+)\.")
EVENT_ID = re.compile(rb"(?:^|\n)id: ?(\d+)\r?\n")
_TAIL = 96

OnMarker = Callable[[int, int, float], None]  # (seq, tap index, arrival time)

_source_hosts = itertools.cycle([f"127.0.0.{n}" for n in range(2, 250)])


def next_source_host() -> str:
    """A fresh loopback source address: ~28k client ports per address, and closed
    connections linger in TIME_WAIT, so each batch of streams gets its own."""
    return next(_source_hosts)


class Tap(asyncio.Protocol):
    def __init__(self, index: int, request: Callable[[str | None], bytes], on_marker: OnMarker) -> None:
        self.index = index
        self._request = request
        self._on_marker = on_marker
        self.last_id: str | None = None
        self.status_ok: asyncio.Future[bool] | None = None
        self.lost: asyncio.Future[None] | None = None
        self.transport: asyncio.Transport | None = None
        self._head = True
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._head, self._tail = True, b""
        transport.write(self._request(self.last_id))

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if self._head:
            self._head = False
            if self.status_ok is not None and not self.status_ok.done():
                self.status_ok.set_result(data.startswith((b"HTTP/1.1 200", b"HTTP/1.1 101")))
        buf = self._tail + data
        cut = len(self._tail)
        for found in MARKER.finditer(buf):
            if found.end() > cut:
                self._on_marker(int(found.group(1)), self.index, now)
        ids = EVENT_ID.findall(buf)
        if ids:
            self.last_id = ids[-1].decode()
        self._tail = buf[-_TAIL:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.status_ok is not None and not self.status_ok.done():
            self.status_ok.set_result(False)
        if self.lost is not None and not self.lost.done():
            self.lost.set_result(None)

    async def connect(self, host: str, port: int, source: str, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        self.status_ok = loop.create_future()
        self.lost = loop.create_future()
        await loop.create_connection(lambda: self, host, port, local_addr=(source, 0))
        if not await asyncio.wait_for(self.status_ok, timeout):
            raise ConnectionError(f"tap {self.index}: not a 200 event stream")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()  # RST: no TIME_WAIT pile-up between steps


def request_bytes(path: str, host: str, cookie: str | None) -> Callable[[str | None], bytes]:
    def build(last_id: str | None) -> bytes:
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Accept: text/event-stream"]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        if last_id is not None:
            lines.append(f"Last-Event-ID: {last_id}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    return build


def ws_request_bytes(path: str, host: str, cookie: str | None) -> Callable[[str | None], bytes]:
    """A WebSocket upgrade of `path` (resuming with `?lastEventId=`, empty for a fresh start)."""

    def build(last_id: str | None) -> bytes:
        target = f"{path}{'&' if '?' in path else '?'}lastEventId={last_id or ''}"
        lines = [
            f"GET {target} HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        ]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    return build


class Arrivals:
    """First arrival of each marker per tap; duplicates counted; waits for 'all have it'."""

    def __init__(self) -> None:
        self.times: dict[int, dict[int, float]] = {}
        self.duplicates = 0
        self._waiters: dict[int, tuple[int, asyncio.Future[None]]] = {}

    def record(self, seq: int, index: int, when: float) -> None:
        per_tap = self.times.setdefault(seq, {})
        if index in per_tap:
            self.duplicates += 1
            return
        per_tap[index] = when
        waiter = self._waiters.get(seq)
        if waiter is not None and len(per_tap) >= waiter[0] and not waiter[1].done():
            waiter[1].set_result(None)

    def count(self, seq: int) -> int:
        return len(self.times.get(seq, ()))

    async def wait_all(self, seq: int, expected: int, timeout: float) -> bool:
        if self.count(seq) >= expected:
            return True
        future = asyncio.get_running_loop().create_future()
        self._waiters[seq] = (expected, future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self._waiters.pop(seq, None)


async def open_taps(
    host: str,
    port: int,
    requests: list[Callable[[str | None], bytes]],
    arrivals: Arrivals,
    *,
    concurrency: int = 200,
    tap_class: type[Tap] = Tap,
) -> tuple[list[Tap], float]:
    """Open one tap per request builder, `concurrency` at a time; returns taps and seconds."""
    taps = [tap_class(i, request, arrivals.record) for i, request in enumerate(requests)]
    gate = asyncio.Semaphore(concurrency)
    source = next_source_host()
    per_source = 0

    async def one(tap: Tap, source: str) -> None:
        async with gate:
            await tap.connect(host, port, source, timeout=60)

    jobs = []
    for tap in taps:
        per_source += 1
        if per_source > 20_000:
            source, per_source = next_source_host(), 1
        jobs.append(one(tap, source))
    started = time.perf_counter()
    try:
        await asyncio.gather(*jobs)
    except BaseException:
        close_taps(taps)
        raise
    return taps, time.perf_counter() - started


def close_taps(taps: list[Tap]) -> None:
    for tap in taps:
        tap.close()
