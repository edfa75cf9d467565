"""Refuse request bodies over the API's size limit before they are held in memory.

A route that reads its body (`await request.body()`) would otherwise buffer whatever the
client sends: a 100 MB upload, or an endless chunked body, to the unauthenticated login
route. This pure ASGI middleware answers 413 at once when Content-Length is over the
limit, and for bodies without a length (chunked) counts bytes as the route reads them and
stops at the limit. Reflex's own routes (outside /api/) are left alone, and so are GET
requests beyond the length check (no route reads their body).
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
# No route reads a body on these, so their receive/send stay untouched: the stream's
# disconnect watch relies on the server's own receive() future (api/sse_response.py).
BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(Exception):
    """Raised from `receive` once a body passes the limit; answered with 413."""


def too_large_response(limit: int) -> JSONResponse:
    return JSONResponse({"error": f"request body is larger than {limit} bytes"}, status_code=413)


def _declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a number; -1 if it is present but not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) <= 18 else -1
    return None


class BodySizeLimit:
    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, prefix: str = "/api/") -> None:
        self.app = app
        self.limit = limit
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared == -1:
            await JSONResponse({"error": "Content-Length is not a number"}, status_code=400)(scope, receive, send)
            return
        if declared is not None and declared > self.limit:
            await too_large_response(self.limit)(scope, receive, send)
            return
        if scope["method"] in BODILESS_METHODS:
            await self.app(scope, receive, send)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:  # a streaming response already began; nothing sensible to add
                raise
            await too_large_response(self.limit)(scope, receive, send)
