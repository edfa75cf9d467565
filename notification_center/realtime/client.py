"""A connected stream's bounded buffer: the broadcaster's side never waits on it.

`enqueue` is called by the broadcaster for every event of this client's user. If the
reader falls behind and the buffer fills, the client is closed instead of blocking
delivery to everybody else; the browser reconnects with Last-Event-ID and the database
replays what it missed, so nothing is lost.
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
CLOSED: Final = _Marker("CLOSED")

_ids = itertools.count(1)


class StreamClient:
    def __init__(self, user_id: str, max_buffer: int) -> None:
        self.user_id = user_id
        self.id = f"{user_id}:{next(_ids)}"
        self._queue: asyncio.Queue[StreamEvent | _Marker] = asyncio.Queue(max_buffer + 1)
        self._max_buffer = max_buffer
        self.close_reason: str | None = None

    @property
    def closed(self) -> bool:
        return self.close_reason is not None

    def enqueue(self, frame: StreamEvent | _Marker) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= self._max_buffer:
            self.close("overflow")
            return
        self._queue.put_nowait(frame)

    def resync(self) -> None:
        self.enqueue(RESYNC)

    def close(self, reason: str = "closed") -> None:
        """End the stream at the reader's next step; pending events are dropped."""
        if self.closed:
            return
        self.close_reason = reason
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(CLOSED)  # the extra slot guarantees room for this marker

    async def next(self, timeout: float) -> StreamEvent | _Marker | None:
        """The next event, CLOSED, or None when `timeout` seconds pass without one."""
        if not self._queue.empty():  # the common case under load: no timer at all
            return self._queue.get_nowait()
        try:
            async with asyncio.timeout(timeout):  # unlike wait_for, no task per call on 3.11
                return await self._queue.get()
        except TimeoutError:
            return CLOSED if self.closed else None
