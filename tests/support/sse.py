"""A real SSE client for tests (httpx + httpx-sse), reading envelopes in the background."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import aconnect_sse


@dataclass
class Received:
    type: str
    data: dict[str, Any]
    id: str | None
    raw: str


@dataclass
class StreamReader:
    """Opens the stream, collects every envelope into `events`, ends when the server ends it."""

    client: httpx.AsyncClient
    last_event_id: str | None = None
    use_query: bool = False
    events: list[Received] = field(default_factory=list)
    status: int | None = None
    headers: httpx.Headers | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task | None = None

    async def start(self, timeout: float = 10) -> StreamReader:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.opened.wait(), timeout)
        return self

    async def _run(self) -> None:
        headers, params = {}, {}
        if self.last_event_id is not None:
            if self.use_query:
                params["lastEventId"] = self.last_event_id
            else:
                headers["Last-Event-ID"] = self.last_event_id
        try:
            async with aconnect_sse(
                self.client,
                "GET",
                "/api/notifications/stream",
                headers=headers,
                params=params,
                timeout=httpx.Timeout(10, read=None),
            ) as source:
                self.status = source.response.status_code
                self.headers = source.response.headers
                self.opened.set()
                if self.status != 200:
                    return
                async for sse in source.aiter_sse():
                    body = json.loads(sse.data)
                    self.events.append(Received(body["type"], body["data"], sse.id or None, sse.data))
        except (httpx.HTTPError, asyncio.CancelledError):
            pass
        finally:
            self.opened.set()
            self.ended.set()

    def of_type(self, kind: str) -> list[Received]:
        return [e for e in self.events if e.type == kind]

    def notification_ids(self) -> list[str]:
        return [e.data["id"] for e in self.of_type("notification")]

    def last_cursor(self) -> str | None:
        ids = [e.id for e in self.events if e.id]
        return ids[-1] if ids else None

    async def wait_for(self, predicate, timeout: float = 10) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"condition not met; got {[e.type for e in self.events]}")
            await asyncio.sleep(0.02)

    async def wait_notifications(self, count: int, timeout: float = 10) -> list[str]:
        await self.wait_for(lambda r: len(r.of_type("notification")) >= count, timeout)
        return self.notification_ids()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
