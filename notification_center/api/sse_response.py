"""A lean ASGI response for long-lived event streams: one coroutine per connection.

Why not sse-starlette's EventSourceResponse (which frames our events, see
realtime/events.py): it runs an anyio task group of four tasks per connection (the body,
a ping loop, a disconnect listener, a shutdown watcher). At tens of thousands of idle
streams those tasks, their cancel scopes and frames were most of the memory per stream
(bench/README.md). Here:

- the body generator is the only coroutine; it sends pings itself when it times out;
- the client going away is noticed without a task: granian's `receive()` returns a
  future, and its done-callback calls `on_disconnect` (which wakes the generator);
- a reader that stops reading is cut off: granian's `send` waits while the socket's
  buffer is full, so each write has a deadline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

logger = logging.getLogger(__name__)


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


class EventStreamResponse(Response):
    """Streams `body` (already framed SSE bytes) until it ends or the client goes away."""

    def __init__(
        self,
        body: AsyncIterator[bytes],
        *,
        headers: Mapping[str, str],
        media_type: str,
        send_timeout: float,
        on_disconnect: Callable[[], None],
        on_send_timeout: Callable[[], None],
        cleanup: Callable[[], Awaitable[None]],
    ) -> None:
        # Not Response.__init__: with no body it would announce `content-length: 0`.
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers(headers)
        self._body = body
        self._send_timeout = send_timeout
        self._on_disconnect = on_disconnect
        self._on_send_timeout = on_send_timeout
        self._cleanup = cleanup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        watch = _DisconnectWatch(receive, self._on_disconnect)
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            async for chunk in self._body:
                async with asyncio.timeout(self._send_timeout):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except TimeoutError:
            self._on_send_timeout()
        except OSError:  # the peer vanished mid-write (servers differ in what they raise)
            logger.debug("stream write failed", exc_info=True)
        finally:
            watch.cancel()
            await self._body.aclose()  # type: ignore[attr-defined]
            with anyio.CancelScope(shield=True):  # a cancelled stream must still free its slot
                await self._cleanup()
