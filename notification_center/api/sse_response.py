"""The SSE writer: a lean ASGI response for long-lived event streams, one coroutine each.

It writes what the stream core yields (api/event_source.py), each event framed by
`encode`; api/ws_connection.py is its WebSocket twin over the same core.

Why not sse-starlette's EventSourceResponse (which frames our events, see
realtime/events.py): it runs an anyio task group of four tasks per connection (the body,
a ping loop, a disconnect listener, a shutdown watcher). At tens of thousands of idle
streams those tasks, their cancel scopes and frames were most of the memory per stream
(bench/README.md). Here:

- the body generator is the only coroutine; it sends pings itself when it times out;
- the client going away is noticed without a task: granian's `receive()` returns a
  future, and its done-callback calls `on_disconnect` (which wakes the generator);
- a reader that stops reading is cut off: granian's `send` waits while the socket's
  buffer is full, so the response marks when a write started (`writer.sending_since`)
  and the worker's sweeper cancels writes that wait too long (api/stream_sweep.py); a
  deadline per write cost a timer handle per delivered event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Protocol, TypeVar

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from notification_center import metrics

logger = logging.getLogger(__name__)

T = TypeVar("T")


class _DisconnectWatch:
    """Waits on `receive()` for `http.disconnect` through callbacks, not a task."""

    def __init__(self, receive: Receive, on_disconnect: Callable[[], None]) -> None:
        self._receive = receive
        self._on_disconnect = on_disconnect
        self._pending: asyncio.Future | None = None
        self._arm()

    def _arm(self) -> None:
        self._pending = asyncio.ensure_future(self._receive())
        self._pending.add_done_callback(self._done)

    def _done(self, future: asyncio.Future) -> None:
        if future.cancelled():
            return
        if future.exception() is not None or future.result().get("type") == "http.disconnect":
            self._on_disconnect()
        else:  # the (empty) request body of the GET: keep listening
            self._arm()

    def cancel(self) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()


class Writer(Protocol):
    """Where the response records a pending write, for the sweeper to time."""

    sending_since: float | None
    task: asyncio.Task | None
    stalled: bool  # set by whoever cancels `task` because a write waited too long


class EventStreamResponse(Response):
    """Streams `body`, each item framed by `encode`, until it ends or the client goes away."""

    def __init__(
        self,
        body: AsyncIterator[T],
        *,
        encode: Callable[[T], bytes],
        headers: Mapping[str, str],
        media_type: str,
        writer: Writer,
        on_disconnect: Callable[[], None],
        cleanup: Callable[[], Awaitable[None]],
    ) -> None:
        # Not Response.__init__: with no body it would announce `content-length: 0`.
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers(headers)
        self._body = body
        self._encode = encode
        self._writer = writer
        self._on_disconnect = on_disconnect
        self._cleanup = cleanup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        writer = self._writer
        writer.task = asyncio.current_task()
        clock = asyncio.get_running_loop().time
        watch = _DisconnectWatch(receive, self._on_disconnect)
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            encode = self._encode
            async for item in self._body:
                chunk = encode(item)
                writer.sending_since = clock()
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                writer.sending_since = None
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not writer.stalled or writer.task is None:
                raise
            writer.task.uncancel()  # our own sweeper cut a stalled write: a routine end
            metrics.STREAMS_DROPPED.labels("send_timeout").inc()
            logger.info("cut off a stream whose client stopped reading")
        except OSError:  # the peer vanished mid-write (servers differ in what they raise)
            logger.debug("stream write failed", exc_info=True)
        finally:
            writer.task = None
            watch.cancel()
            await self._body.aclose()  # type: ignore[attr-defined]
            with anyio.CancelScope(shield=True):  # a cancelled stream must still free its slot
                await self._cleanup()
