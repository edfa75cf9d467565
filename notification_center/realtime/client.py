"""A connected stream's bounded buffer: the broadcaster's side never waits on it.

`enqueue` is called by the broadcaster for every event of this client's user. If the
reader falls behind and the buffer fills, the client is closed instead of blocking
delivery to everybody else; the browser reconnects with Last-Event-ID and the database
replays what it missed, so nothing is lost.

Tens of thousands of these are alive at once, one per open stream, so it is a slotted
object around a short list with at most one waiting future, not an `asyncio.Queue` (which
carries two more deques, an Event and a counter each), and it has no timer: pings, the
age limit and stalled writes are driven by one sweeper per worker (api/stream_sweep.py),
since a timer per wait was the largest cost per delivered event: see bench/README.md.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Final

from notification_center.realtime.events import StreamEvent


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


RESYNC: Final = _Marker("RESYNC")  # live events may have been missed: catch up from the DB
PING: Final = _Marker("PING")  # time for a keep-alive (the worker's sweeper says so)
CLOSED: Final = _Marker("CLOSED")

_ids = itertools.count(1)


class StreamClient:
    __slots__ = (
        "_buffer",
        "_max_buffer",
        "_waiter",
        "close_reason",
        "cursor",
        "id",
        "opened_at",
        "resync_since",
        "sending_since",
        "session_key",
        "stalled",
        "task",
        "user_id",
    )

    def __init__(self, user_id: str, max_buffer: int, session_key: str | None = None) -> None:
        self.user_id = user_id
        self.id = f"{user_id}:{next(_ids)}"
        # Where the stream stands (the last cursor written) and which sign-in it belongs
        # to: the per-worker sweep (api/stream_sweep.py) checks both for all streams at once.
        self.cursor = 0
        self.session_key = session_key
        # For the sweeper's timing checks (age limit, stalled writes), so that no stream
        # needs a timer of its own: loop time of the start and of a pending write.
        self.opened_at = asyncio.get_running_loop().time()
        self.sending_since: float | None = None
        # When the oldest pending RESYNC was asked for (loop time): a catch-up that another
        # stream of the user started since then has everything this one needs.
        self.resync_since: float | None = None
        self.stalled = False
        self.task: asyncio.Task | None = None
        self._buffer: list[StreamEvent | _Marker] = []  # short; a deque's first block alone is 600 B
        self._max_buffer = max_buffer
        self._waiter: asyncio.Future[None] | None = None
        self.close_reason: str | None = None

    @property
    def closed(self) -> bool:
        return self.close_reason is not None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def enqueue(self, frame: StreamEvent | _Marker) -> None:
        if self.closed:
            return
        if len(self._buffer) >= self._max_buffer:
            self.close("overflow")
            return
        self._buffer.append(frame)
        self._wake()

    def resync(self) -> None:
        if self.resync_since is None:
            self.resync_since = asyncio.get_running_loop().time()
        self.enqueue(RESYNC)

    def close(self, reason: str = "closed") -> None:
        """End the stream at the reader's next step; pending events are dropped."""
        if self.closed:
            return
        self.close_reason = reason
        self._buffer.clear()
        self._buffer.append(CLOSED)
        self._wake()

    async def next(self) -> StreamEvent | _Marker:
        """The next event or marker; CLOSED once closed (and ever after)."""
        if not self._buffer:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._buffer[0]
        if item is not CLOSED:  # CLOSED stays, so every later call answers CLOSED too
            del self._buffer[0]
        return item
