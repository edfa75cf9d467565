"""An SSE client that behaves like a browser's EventSource: it resumes with Last-Event-ID.

Each `ResumingStream` has its own httpx client, so its own TCP connection (the way separate
browser tabs or users reach different server workers). When the server ends the stream
or the connection drops, it reconnects after a short delay, sending the last `id:` it saw;
a non-200 answer (401, 429) ends it for good, as it does for EventSource.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import aconnect_sse

STREAM_PATH = "/api/notifications/stream"


@dataclass
class Envelope:
    type: str
    data: dict[str, Any]
    id: str | None


class ResumingStream:
    def __init__(
        self,
        base_url: str,
        cookies: dict[str, str],
        *,
        name: str = "",
        reconnect_delay: float = 0.2,
        path: str = STREAM_PATH,
    ) -> None:
        self.name = name
        self.path = path
        self.reconnect_delay = reconnect_delay
        self.client = httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=httpx.Timeout(10, read=None))
        self.events: list[Envelope] = []
        self.last_event_id: str | None = None
        self.connects = 0  # `connected` events seen: 1 + number of resumes
        self.ends = 0  # times the stream ended or broke and was reopened
        self.errors: list[str] = []
        self.refused: int | None = None  # a non-200 status that ended the stream for good
        self._task: asyncio.Task | None = None
        self._connection: asyncio.Task | None = None
        self._stopping = False
        self._first = asyncio.Event()

    # -- control ----------------------------------------------------------------------
    async def start(self, within: float = 15) -> ResumingStream:
        """Open the stream; returns once `connected` arrived (or the server refused)."""
        self._task = asyncio.create_task(self._run(), name=f"sse-{self.name}")
        await asyncio.wait_for(self._first.wait(), within)
        return self

    async def close(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.aclose()

    # -- reading ----------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping:
            self._connection = asyncio.create_task(self._read_once())
            try:
                if not await self._connection:  # refused: EventSource gives up too
                    return
            except asyncio.CancelledError:
                if self._stopping or not self._connection.cancelled():
                    raise
                self.errors.append("dropped")  # drop() cut the connection
            except Exception as exc:  # a broken connection: reconnect like a browser
                self.errors.append(repr(exc))
            self.ends += 1
            await asyncio.sleep(self.reconnect_delay)

    async def _read_once(self) -> bool:
        """One connection, until the server ends it; False if the server refused it."""
        headers = {}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        async with aconnect_sse(self.client, "GET", self.path, headers=headers) as source:
            status = source.response.status_code
            if status != 200:
                await source.response.aread()
                self.refused = status
                self._first.set()
                return False
            async for sse in source.aiter_sse():
                self._receive(sse.id or None, sse.data)
        return True

    def drop(self) -> None:
        """Cut the current connection (a network blip); the stream then resumes by itself."""
        if self._connection is not None and not self._connection.done():
            self._connection.cancel()

    def _receive(self, event_id: str | None, data: str) -> None:
        if event_id is not None:
            self.last_event_id = event_id
        if not data:  # EventSource dispatches no event without data
            return
        body = json.loads(data)
        envelope = Envelope(body["type"], body["data"], event_id)
        self.events.append(envelope)
        if envelope.type == "connected":
            self.connects += 1
            self._first.set()

    def of_type(self, kind: str) -> list[Envelope]:
        return [e for e in self.events if e.type == kind]

    def notification_ids(self) -> list[str]:
        return [e.data["id"] for e in self.of_type("notification")]

    def cursors(self) -> list[int]:
        return [int(e.id) for e in self.of_type("notification") if e.id is not None]

    async def wait_for(self, check: Callable[[ResumingStream], bool], within: float = 10, what: str = "") -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not check(self):
            if asyncio.get_running_loop().time() > deadline:
                got = [e.type for e in self.events]
                raise TimeoutError(f"stream {self.name}: {what or 'condition'} not met in {within}s; got {got}")
            await asyncio.sleep(0.02)
