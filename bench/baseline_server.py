"""The yardstick: about the least an SSE fan-out server on the app's stack can do.

Same framework (Starlette), same SSE library (sse-starlette), same server (granian, one
worker) as the app, but no sign-in, no database, no cursors, no metrics: GET /stream
registers an asyncio.Queue, POST /send serializes the posted JSON once and puts it on
every queue. The ratio app/baseline is then the price of everything the app adds on top
of the unavoidable HTTP + SSE work. GET /ws is its WebSocket twin (one text message per
send, a bare loop over a queue); POST /send?channel=sse|ws reaches only that kind (both
without it). Run it as `granian --interface asgi bench.baseline_server:app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

PING_SECONDS = float(os.environ.get("BENCH_PING_SECONDS", "5"))
BUFFER = 256  # like the app's default per-stream buffer; a full queue drops the message

_queues: set[asyncio.Queue[str]] = set()
_ws_queues: set[asyncio.Queue[str]] = set()


async def stream(_request: Request) -> Response:
    async def events() -> AsyncIterator[ServerSentEvent]:
        queue: asyncio.Queue[str] = asyncio.Queue(BUFFER)
        _queues.add(queue)  # before the first frame: a client that saw it misses nothing
        try:
            yield ServerSentEvent(data='{"type":"connected"}')
            while True:
                yield ServerSentEvent(data=await queue.get())
        finally:
            _queues.discard(queue)

    return EventSourceResponse(events(), ping=PING_SECONDS, headers={"Cache-Control": "no-cache"})


class WebSocketStream:
    """A plain ASGI endpoint (a function would be wrapped as a Starlette session)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await ws_stream(receive, send)


async def ws_stream(receive: Receive, send: Send) -> None:
    """The least a WebSocket fan-out does: accept, register, write what arrives."""
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    queue: asyncio.Queue[str] = asyncio.Queue(BUFFER)
    _ws_queues.add(queue)
    try:
        await send({"type": "websocket.send", "text": '{"type":"connected"}'})
        while True:
            await send({"type": "websocket.send", "text": await queue.get()})
    except (OSError, RuntimeError):
        pass
    finally:
        _ws_queues.discard(queue)


async def send(request: Request) -> Response:
    payload = await request.json()
    data = json.dumps({"type": "notification", "data": payload}, separators=(",", ":"))
    channel = request.query_params.get("channel")
    targets = [*(_queues if channel != "ws" else ()), *(_ws_queues if channel != "sse" else ())]
    for queue in targets:
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(data)
    return JSONResponse({"count": len(targets)})


async def stats(_request: Request) -> Response:
    return JSONResponse({"totalClients": len(_queues)})


async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/stream", stream, methods=["GET"]),
        WebSocketRoute("/ws", WebSocketStream()),
        Route("/send", send, methods=["POST"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
    ]
)
