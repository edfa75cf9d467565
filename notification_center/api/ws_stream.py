"""GET /api/notifications/ws: the stream over a WebSocket, for networks where SSE is stuck.

The same events as GET /api/notifications/stream (one envelope per text message), from the
same core (api/event_source.py) under the same rules: session cookie, the per-user limit
(one count for both transports), revocation, the age limit, slow readers, shutdown. What
differs is the door and the ending:

- the handshake is accepted first, so that every refusal can be a close code with a reason
  a browser can read (a refused handshake is an opaque error there): not an allowed
  Origin, not signed in, over the limit, shutting down or the database away;
- the resume cursor comes from `?lastEventId=` or, when that parameter is absent, from a
  first client message `{"op": "resume", "lastEventId"}`, awaited for RESUME_WAIT_SECONDS
  (a first message of another kind is handled as usual, and the stream starts fresh);
- the client may send `read`/`seen`/`archive` messages (api/ws_connection.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.requests import cookie_parser
from starlette.types import Receive, Scope, Send

from notification_center.api import event_source, ws_connection, ws_protocol
from notification_center.api.origins import OriginPolicy
from notification_center.api.outage_handler import DATABASE_ERRORS
from notification_center.api.spec import ApiWebSocketRoute, Operation, Param, Reply
from notification_center.auth.sessions import cookie_name, session_key
from notification_center.outages import classify
from notification_center.settings import get_settings

logger = logging.getLogger(__name__)

PATH = "/api/notifications/ws"
RESUME_WAIT_SECONDS = 1.0
MESSAGE_BURST = 20  # client messages at once, then MESSAGE_RATE a second
MESSAGE_RATE = 5.0


def _cookie(headers: Headers, name: str) -> str | None:
    """The cookie as the SSE route reads it (Starlette's parser: lenient, and cheap)."""
    return cookie_parser(headers.get("cookie", "")).get(name)


async def _close(send: Send, code: int, reason: str) -> None:
    await send({"type": "websocket.close", "code": code, "reason": ws_protocol.fit_reason(reason)})


_REFUSALS = {
    event_source.SHUTTING_DOWN: (ws_protocol.UNAVAILABLE, "shutting down: reconnect to another server"),
    event_source.UNAUTHENTICATED: (ws_protocol.UNAUTHENTICATED, "unauthenticated: not signed in"),
}


def _resume_cursor(message: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    """(the cursor of a resume message, None) or (None, the message, handled as usual later)."""
    try:
        parsed = ws_protocol.parse(message)
    except ws_protocol.BadMessage:
        return None, message  # refused (and closed) once the stream is set up
    if parsed.op == ws_protocol.RESUME:
        return parsed.last_event_id, None
    return None, message


class WebSocketStreamEndpoint:
    """A plain ASGI endpoint (as the SSE one): no wrapper layers on every open stream's stack."""

    def __init__(self) -> None:
        self._origins: OriginPolicy | None = None

    def _origin_allowed(self, headers: Headers) -> bool:
        if self._origins is None:
            self._origins = OriginPolicy(get_settings().cors_origins)
        return self._origins.allows(headers.get("origin"), headers.get("host"), headers.get("x-forwarded-host"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (await receive()).get("type") != "websocket.connect":
            return
        headers = Headers(scope=scope)
        await send({"type": "websocket.accept"})
        if not self._origin_allowed(headers):
            await _close(send, ws_protocol.ORIGIN_REFUSED, "origin refused: not this site or NC_CORS_ORIGINS")
            return
        query = QueryParams(scope.get("query_string", b""))
        requested = query.get("lastEventId")
        pending: asyncio.Future | None = None
        first: dict[str, Any] | None = None
        if "lastEventId" not in query:  # a first message may say where to resume
            waiter = asyncio.ensure_future(receive())
            await asyncio.wait({waiter}, timeout=RESUME_WAIT_SECONDS)
            if not waiter.done():
                pending = waiter  # nothing yet: start fresh, and keep listening on it
            elif waiter.exception() is not None or waiter.result().get("type") != "websocket.receive":
                return  # gone before saying anything
            else:
                first = waiter.result()
                requested, first = _resume_cursor(first)
        await self._stream(send, receive, headers, requested, pending, first)

    async def _stream(
        self,
        send: Send,
        receive: Receive,
        headers: Headers,
        requested: str | None,
        pending: asyncio.Future | None,
        first: dict[str, Any] | None,
    ) -> None:
        settings = get_settings()
        key = session_key(_cookie(headers, cookie_name()))
        try:
            admitted = await event_source.admit(key, requested, settings)
        except DATABASE_ERRORS as exc:
            if pending is not None:
                pending.cancel()
            outage = classify(exc)
            if outage is None:
                raise
            logger.warning("websocket stream: %s", outage.message())
            await _close(send, ws_protocol.UNAVAILABLE, f"unavailable: {outage.message()}")
            return
        if isinstance(admitted, event_source.Refused):
            if pending is not None:
                pending.cancel()
            if admitted.cause == event_source.OVER_LIMIT:
                reason = f"over the limit: too many open streams for this user (limit {admitted.limit})"
                await _close(send, ws_protocol.OVER_LIMIT, reason)
            else:
                await _close(send, *_REFUSALS[admitted.cause])
            return
        client = admitted.client
        loop = asyncio.get_running_loop()
        rate = ws_protocol.MessageRate(MESSAGE_BURST, MESSAGE_RATE, loop.time())
        watch = ws_connection.MessageWatch(receive, client, rate=rate, pending=pending, first=first)
        await ws_connection.run(
            event_source.items(client, admitted.start), send=send, client=client, watch=watch, cleanup=admitted.cleanup
        )


_OPERATION = Operation(
    "The user's live notifications over a WebSocket (README: the stream protocol)",
    "notifications",
    (
        Reply(
            101,
            "switching protocols: one JSON envelope per text message, as the SSE stream's `data:`. "
            "Refusals and endings are close codes: 4401 not signed in or session ended, 4403 origin refused, "
            "4429 over the limit or message rate, 4503 shutting down or database away, 4400/4413 bad or "
            "too large client message, 4408 slow reader, 4000 age limit",
            None,
        ),
        Reply(426, "not a WebSocket upgrade"),
    ),
    auth="user",
    uses_database=False,  # a database outage is close code 4503, not an HTTP answer
    params=(
        Param(
            "lastEventId",
            "query",
            {"type": "string"},
            'resume after this cursor; when absent, a first message {"op": "resume", "lastEventId"} may give it',
        ),
    ),
    description='Client messages: {"op": "read"|"seen"|"archive", "id", "ref"?} answered by a '
    "`reply` envelope with the REST route's status and notification.",
)
routes = [ApiWebSocketRoute(PATH, WebSocketStreamEndpoint(), _OPERATION, name="stream_websocket")]
