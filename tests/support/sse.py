"""A real stream client for tests, over either transport, reading envelopes in the background.

`transport="sse"`: httpx + httpx-sse on GET /api/notifications/stream. `transport=
"websocket"`: tests/support/ws.py on GET /api/notifications/ws, where the cursor rides in
the envelope (`"id"`) and refusals are close codes. So that one test can assert both,
`status` is the SSE answer's HTTP status, or for a WebSocket 200 once `connected` arrived
and the close code minus 4000 (401, 429, 503) when the server closed it before that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from httpx_sse import aconnect_sse

from tests.support.ws import Closed, WebSocket

TRANSPORTS = ("sse", "websocket")
WS_PATH = "/api/notifications/ws"


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
    use_query: bool = False  # SSE: ?lastEventId= instead of the header; WS: instead of a resume message
    transport: str = "sse"
    events: list[Received] = field(default_factory=list)
    status: int | None = None
    headers: httpx.Headers | None = None
    close_code: int | None = None  # WebSocket: how the server closed it
    close_reason: str | None = None
    socket: WebSocket | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task | None = None

    async def start(self, timeout: float = 10) -> StreamReader:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.opened.wait(), timeout)
        return self

    async def _run(self) -> None:
        if self.transport == "websocket":
            await self._run_ws()
        else:
            await self._run_sse()

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.client.cookies.items())

    async def _run_ws(self) -> None:
        path = WS_PATH
        if self.use_query:
            path += "?lastEventId=" + quote(self.last_event_id or "", safe="")
        try:
            self.socket = await WebSocket.connect(str(self.client.base_url), path, cookie=self._cookie_header())
            if not self.use_query:  # the first message says where to resume
                await self.socket.send_text(json.dumps({"op": "resume", "lastEventId": self.last_event_id}))
            while True:
                body = json.loads(await self.socket.recv())
                if not self.events:
                    self.status = 200
                    self.opened.set()
                self.events.append(Received(body["type"], body["data"], body.get("id"), json.dumps(body)))
        except Closed as closed:
            self.close_code, self.close_reason = closed.code, closed.reason
            if self.status is None:
                self.status = closed.status or (closed.code - 4000 if closed.code and closed.code >= 4000 else None)
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            if self.socket is not None:
                await self.socket.close()
            self.opened.set()
            self.ended.set()

    async def send(self, message: dict[str, Any] | str) -> None:
        """WebSocket only: a client message (a dict as JSON, a str as is)."""
        assert self.socket is not None
        await self.socket.send_text(message if isinstance(message, str) else json.dumps(message))

    async def _run_sse(self) -> None:
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
