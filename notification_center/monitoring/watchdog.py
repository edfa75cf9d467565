"""A watchdog per worker that notices when its event loop stops answering.

Why: one coroutine that never yields (a CPU-bound loop such as Reflex 0.10.1's
`LiteralStringVar.create` on a `<reflex.Var>` tag, or a blocking call) freezes every stream,
page and health check of the worker, and nothing running on that loop can report it. A plain
thread can: the loop records a heartbeat every `HEARTBEAT_SECONDS`; the thread, which needs
only the GIL (a busy Python loop hands it over every few milliseconds, a blocking call
releases it), sees the heartbeat age past the threshold.

What it reports, and where it can be read:

- the log, at once: an ERROR naming how long the loop has been silent and the loop thread's
  Python stack (`sys._current_frames()`, so the culprit is named while it still runs), again
  every `REPEAT_SECONDS` while the stall lasts, and a WARNING when the loop answers again;
- `/metrics`: `nc_event_loop_stalls_total` counts a stall when it is detected,
  `nc_event_loop_stalled_seconds` is the age of the current stall (0 when the loop answers),
  `nc_event_loop_last_stall_seconds` how long the last one that ended lasted. `/metrics` is
  served by the same loop, so a worker's scrape answers only once its stall is over; the
  counter is what a scrape sees then. While it lasts, the log line is the signal (and the
  worker's `/api/health` does not answer, which a load balancer counts as down).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable

from notification_center.metrics import LOOP_LAST_STALL_SECONDS, LOOP_STALLED_SECONDS, LOOP_STALLS

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 0.5
CHECK_SECONDS = 0.25
REPEAT_SECONDS = 10.0
STACK_FRAMES = 30


def thread_stack(thread_id: int, limit: int = STACK_FRAMES) -> str:
    """The innermost `limit` frames of a running thread's Python stack, or '' if it is gone."""
    frame = sys._current_frames().get(thread_id)
    if frame is None:
        return ""
    return "".join(traceback.format_stack(frame, limit=limit))


class LoopWatchdog:
    """Heartbeat on the loop, watcher on a thread; `start()` must run on the loop's thread."""

    def __init__(
        self,
        threshold: float,
        heartbeat: float = HEARTBEAT_SECONDS,
        check_every: float = CHECK_SECONDS,
        repeat_every: float = REPEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.heartbeat = heartbeat
        self.check_every = check_every
        self.repeat_every = repeat_every
        self.clock = clock
        self.last_beat = clock()
        self.stalled_since: float | None = None
        self._next_report = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._handle: asyncio.TimerHandle | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._beat()
        # A daemon: a worker that is being killed must not wait for its watchdog.
        self._thread = threading.Thread(target=self._watch, name="nc-loop-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _beat(self) -> None:
        self.last_beat = self.clock()
        assert self._loop is not None
        self._handle = self._loop.call_later(self.heartbeat, self._beat)

    def _watch(self) -> None:
        while not self._stop.wait(self.check_every):
            try:
                self.check()
            except Exception:  # the watchdog must outlive anything it reports
                logger.exception("event loop watchdog check failed")

    def check(self) -> None:
        """Compare the heartbeat's age with the threshold; report a stall's start, course and end."""
        now = self.clock()
        beat = self.last_beat
        age = now - beat
        if age > self.threshold:
            if self.stalled_since is None:
                self.stalled_since = beat
                LOOP_STALLS.inc()
                self._next_report = now + self.repeat_every
                logger.error(
                    "event loop stalled: no heartbeat for %.1f s (threshold %.1f s); the loop thread is at:\n%s",
                    age,
                    self.threshold,
                    thread_stack(self._loop_thread) or "(stack not available)",
                )
            elif now >= self._next_report:
                self._next_report = now + self.repeat_every
                logger.error(
                    "event loop still stalled after %.1f s; the loop thread is at:\n%s",
                    age,
                    thread_stack(self._loop_thread) or "(stack not available)",
                )
            LOOP_STALLED_SECONDS.set(age)
        elif self.stalled_since is not None:
            lasted = beat - self.stalled_since
            self.stalled_since = None
            LOOP_STALLED_SECONDS.set(0)
            LOOP_LAST_STALL_SECONDS.set(lasted)
            logger.warning("event loop answers again after a stall of about %.1f s", lasted)
