"""A deliberately small HTTP/1.1 client (asyncio streams + h11) for every timed request.

Why not httpx (used everywhere else in the tests): the client shares the 2 cores with
the servers, and httpx's per-request and per-chunk Python overhead is of the same order
as the baseline server's own work, which would pull every ratio toward 1. h11 is the
HTTP/1.1 parser httpx itself uses; we skip the rest.

`MarkerStream` is one SSE stream on its own TCP connection. It does not decode events:
it only needs *when* each notification arrived, so it scans the de-chunked body for the
marker `nc-bench-<seq>.` that the bench puts in every notification's title. That is
identical work for the app's and the baseline's frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import h11

MARKER = re.compile(rb"nc-bench-(\d+)\.")
_TAIL = 64  # bytes kept between reads, longer than any marker, so split markers are found
_READ = 65536


def marker(seq: int) -> str:
    return f"nc-bench-{seq}."


@dataclass
class Response:
    status: int
    body: bytes


def _headers(host: str, extra: dict[str, str]) -> list[tuple[str, str]]:
    return [("host", host), *extra.items()]


class Connection:
    """One keep-alive connection for sequential requests (sends, stats)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.headers = headers
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._h11 = h11.Connection(h11.CLIENT)

    async def _ensure_open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._h11.our_state is not h11.IDLE:
            await self.close()
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            self._h11 = h11.Connection(h11.CLIENT)
        return self._reader, self._writer

    async def request(self, method: str, target: str, body: bytes = b"") -> Response:
        reader, writer = await self._ensure_open()
        headers = _headers(f"{self.host}:{self.port}", self.headers)
        if body or method == "POST":
            headers += [("content-type", "application/json"), ("content-length", str(len(body)))]
        out = self._h11.send(h11.Request(method=method, target=target, headers=headers))
        out += self._h11.send(h11.Data(data=body)) if body else b""
        out += self._h11.send(h11.EndOfMessage())
        writer.write(out)
        status, chunks = 0, []
        while True:
            event = self._h11.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(_READ)
                self._h11.receive_data(data)  # b"" marks EOF; h11 then raises or closes
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError(f"{method} {target}: connection closed mid-response")
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
        return Response(status, b"".join(chunks))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        self._reader = self._writer = None


OnMarker = Callable[[int, int, float], None]  # (seq, stream index, arrival time)


class MarkerStream:
    """A GET on an SSE endpoint that reports every marker's arrival time."""

    def __init__(
        self, index: int, host: str, port: int, path: str, headers: dict[str, str], on_marker: OnMarker
    ) -> None:
        self.index = index
        self.host, self.port, self.path = host, port, path
        self.headers = {"accept": "text/event-stream", **headers}
        self.on_marker = on_marker
        self.status: int | None = None
        self.opened = asyncio.Event()  # set at the first body bytes (or on failure)
        self.error: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def start(self, wait_seconds: float) -> None:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.opened.wait(), wait_seconds)
        if self.error:
            raise ConnectionError(f"stream {self.index}: {self.error}")

    async def _run(self) -> None:
        tail = b""
        try:
            reader, self._writer = await asyncio.open_connection(self.host, self.port)
            conn = h11.Connection(h11.CLIENT)
            request = h11.Request(
                method="GET", target=self.path, headers=_headers(f"{self.host}:{self.port}", self.headers)
            )
            self._writer.write(conn.send(request) + conn.send(h11.EndOfMessage()))
            while True:
                data = await reader.read(_READ)
                now = time.perf_counter()
                conn.receive_data(data)
                while (event := conn.next_event()) is not h11.NEED_DATA:
                    if isinstance(event, h11.Response):
                        self.status = event.status_code
                        if self.status != 200:
                            self.error = f"HTTP {self.status}"
                            return
                    elif isinstance(event, h11.Data):
                        self.opened.set()
                        buf = tail + bytes(event.data)
                        for found in MARKER.finditer(buf):
                            if found.end() > len(tail):  # ends in new bytes: not seen before
                                self.on_marker(int(found.group(1)), self.index, now)
                        tail = buf[-_TAIL:]
                    elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                        return
                if not data:
                    return
        except (OSError, h11.ProtocolError) as exc:
            self.error = self.error or repr(exc)
        finally:
            if not self.opened.is_set() and self.error is None:
                self.error = "ended before the first event"
            self.opened.set()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
