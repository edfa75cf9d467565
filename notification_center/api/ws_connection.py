"""The WebSocket writer: one coroutine per connection, like the SSE one (api/sse_response.py).

It writes what the stream core yields (api/event_source.py), one envelope per text
message, and ends with the close code that says why (api/ws_protocol.py). What the
client sends is read without a task of its own: granian's `receive()` returns a future,
and its done-callback handles the message and re-arms. A client message that breaks the
rules (not JSON, wrong types, too large, too many) closes the stream's StreamClient with a
reason, which ends the core's generator; a valid action (`read`, `seen`, `archive`) runs
as a short task through the same service call as its REST route, and its answer is queued
as a `reply` event, so the one writer stays the only one writing. A stalled write is cut
by the worker's sweeper exactly as for SSE (granian's websocket `send` waits while the
socket's buffer is full).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
from starlette.types import Receive, Send

from notification_center import metrics
from notification_center.api import notification_actions, ws_protocol
from notification_center.realtime import events
from notification_center.realtime.client import StreamClient

logger = logging.getLogger(__name__)


class MessageWatch:
    """Reads the client's messages through `receive()` futures and their callbacks."""

    def __init__(
        self,
        receive: Receive,
        client: StreamClient,
        *,
        rate: ws_protocol.MessageRate,
        pending: asyncio.Future | None = None,
        first: dict | None = None,
    ) -> None:
        self._receive = receive
        self._client = client
        self._rate = rate
        self._clock = asyncio.get_running_loop().time
        self._tasks: set[asyncio.Task] = set()
        self.detail: str | None = None  # what broke the rules, for the close reason
        self._pending: asyncio.Future | None = None
        if first is not None:
            self._handle(first)
        if not client.closed:
            self._arm(pending)

    def _arm(self, pending: asyncio.Future | None = None) -> None:
        self._pending = pending or asyncio.ensure_future(self._receive())
        self._pending.add_done_callback(self._done)

    def _done(self, future: asyncio.Future) -> None:
        if future.cancelled():
            return
        if future.exception() is not None:
            self._client.close("client_gone")
            return
        message = future.result()
        if message.get("type") != "websocket.receive":  # websocket.disconnect
            self._client.close("client_gone")
            return
        self._handle(message)
        if not self._client.closed:
            self._arm()

    def _refuse(self, reason: str, detail: str) -> None:
        self.detail = detail
        metrics.WS_MESSAGES_REFUSED.labels(reason).inc()
        self._client.close(reason)

    def _handle(self, message: dict) -> None:
        if not self._rate.allow(self._clock()):
            self._refuse("rate_limited", f"more than {self._rate.burst} at once")
            return
        try:
            parsed = ws_protocol.parse(message)
        except ws_protocol.BadMessage as exc:
            self._refuse(exc.reason, exc.detail)
            return
        if parsed.op == ws_protocol.RESUME:
            self._refuse("bad_message", "resume only as the first message")
            return
        task = asyncio.ensure_future(self._act(parsed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _act(self, message: ws_protocol.ClientMessage) -> None:
        """The REST route's service call; its answer goes to this connection as a reply.
        Not cancelled when the socket closes: a change that started completes."""
        assert message.id is not None
        try:
            notification = await notification_actions.apply(
                message.op, user_id=self._client.user_id, notification_id=message.id
            )
            data = ws_protocol.reply_data(message, notification)
        except notification_actions.ActionRefused as refused:  # the REST route's 4xx, the same words
            data = {"op": message.op, "id": message.id, "status": refused.refusal.status}
            data["error"] = refused.refusal.message
            if message.ref is not None:
                data["ref"] = message.ref
        except Exception:  # a database outage, say: the client may retry over REST or later
            logger.warning("websocket %s of %s failed", message.op, message.id, exc_info=True)
            data = {"op": message.op, "id": message.id, "status": 503, "error": "temporarily unavailable"}
            if message.ref is not None:
                data["ref"] = message.ref
        self._client.enqueue(events.reply_event(data))

    def cancel(self) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()


async def run(
    body: AsyncIterator[events.StreamEvent],
    *,
    send: Send,
    client: StreamClient,
    watch: MessageWatch,
    cleanup: Callable[[], Awaitable[None]],
) -> None:
    """Write `body` (the core's events) until it ends, then close with the reason's code."""
    client.task = asyncio.current_task()
    clock = asyncio.get_running_loop().time
    try:
        async for event in body:
            text = event.text
            client.sending_since = clock()
            await send({"type": "websocket.send", "text": text})
            client.sending_since = None
        frame = ws_protocol.close_frame(client.close_reason, watch.detail)
        if frame is not None:
            # Granian ends the connection right after this frame (its receive() answers
            # `websocket.disconnect` at once, so there is no closing handshake to wait
            # for): a client still writing then may meet a TCP reset before it reads the
            # frame. Only a flooding client can be in that state, and it still is cut off.
            await send({"type": "websocket.close", "code": frame[0], "reason": frame[1]})
    except asyncio.CancelledError:
        if not client.stalled or client.task is None:
            raise
        client.task.uncancel()  # our own sweeper cut a stalled write: a routine end
        metrics.STREAMS_DROPPED.labels("send_timeout").inc()
        logger.info("cut off a websocket stream whose client stopped reading")
    except (OSError, RuntimeError):  # the peer vanished mid-write (servers differ in what they raise)
        logger.debug("websocket write failed", exc_info=True)
    finally:
        client.task = None
        watch.cancel()
        await body.aclose()  # type: ignore[attr-defined]
        with anyio.CancelScope(shield=True):  # a cancelled stream must still free its slot
            await cleanup()
