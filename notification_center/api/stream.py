"""GET /api/notifications/stream: one user's live notifications over SSE.

A thin writer over the stream core (api/event_source.py, which admits the connection and
yields connected, the replay, live events and pings): this module turns the core's
refusals into 401/429/503 JSON and its events into SSE frames (`retry:` once, on the
`connected` event), written by one coroutine per connection (api/sse_response.py). The
client going away closes its StreamClient, which ends the core's generator.
"""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from notification_center.api import event_source
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.api.sse_response import EventStreamResponse
from notification_center.auth.sessions import cookie_name, session_key
from notification_center.realtime import events
from notification_center.settings import get_settings

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _requested_cursor(request: Request) -> str | None:
    return request.headers.get("last-event-id") or request.query_params.get("lastEventId")


def sse_encoder(retry_ms: int):
    """Frames one event as SSE: the shared, cached frame, and `retry:` with `connected`."""

    def encode(event: events.StreamEvent) -> bytes:
        if event.type == events.CONNECTED:
            return event.encode(retry_ms=retry_ms)
        return event.frame

    return encode


def _refusal(refused: event_source.Refused) -> Response:
    if refused.cause == event_source.SHUTTING_DOWN:
        return JSONResponse(
            {"error": "this server is shutting down; reconnect"}, status_code=503, headers={"Retry-After": "1"}
        )
    if refused.cause == event_source.OVER_LIMIT:
        limit = refused.limit
        return JSONResponse(
            {"error": f"too many open streams for this user (limit {limit})", "limit": limit}, status_code=429
        )
    return JSONResponse({"error": "not signed in"}, status_code=401)


async def _open(request: Request) -> Response:
    """The stream, or a 401/429/503 JSON answer."""
    settings = get_settings()
    key = session_key(request.cookies.get(cookie_name()))
    admitted = await event_source.admit(key, _requested_cursor(request), settings)
    if isinstance(admitted, event_source.Refused):
        return _refusal(admitted)
    client = admitted.client
    return EventStreamResponse(
        event_source.items(client, admitted.start),
        encode=sse_encoder(settings.retry_ms),
        headers=HEADERS,
        media_type="text/event-stream; charset=utf-8",
        writer=client,
        on_disconnect=partial(client.close, "client_gone"),
        cleanup=admitted.cleanup,
    )


class StreamEndpoint:
    """A plain ASGI endpoint rather than a Starlette request handler: its wrapper layers
    would stay on the stack of every open stream for its whole life (bench/README.md)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await _open(Request(scope, receive))
        await response(scope, receive, send)


_CURSOR_DOC = "resume after this cursor (an event's `id:`); a malformed or unknown one replays nothing"
_OPERATION = Operation(
    "The user's live notifications as Server-Sent Events (README: the stream protocol)",
    "notifications",
    (
        Reply(200, "the event stream; it does not end on its own", None, "text/event-stream"),
        Reply(429, "too many open streams for this user; `limit` says how many"),
        Reply(503, "this server is shutting down; reconnect (Retry-After)"),
    ),
    auth="user",
    params=(
        Param("Last-Event-ID", "header", {"type": "string"}, _CURSOR_DOC + " (sent by browsers on reconnect)"),
        Param("lastEventId", "query", {"type": "string"}, _CURSOR_DOC + " (used when the header is absent)"),
    ),
)
routes = [ApiRoute("/api/notifications/stream", StreamEndpoint(), "GET", _OPERATION, name="stream")]
