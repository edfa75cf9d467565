"""One sweeper per worker keeps time for every open stream, so no stream needs a timer.

Per stream, a timed wait for the next event plus a deadline on each write cost two timer
handles per delivered event, the largest share of the app's CPU per delivery (bench/
README.md); and checking each stream's session on its own cost a thread hop and a query
per stream per interval (1,200 a second for 18,000 idle streams at the default 30 s).
Here one task, every tick (at most a second):

- cuts streams whose pending write has waited longer than NC_SEND_TIMEOUT_SECONDS (a
  reader that stopped reading) and streams older than NC_MAX_CONNECTION_AGE_SECONDS;
- every NC_PING_INTERVAL_SECONDS, queues a ping on every stream and, with one query for
  all sessions and one for all users, ends streams whose sign-in was revoked or expired
  and makes streams that fell behind the database (a publish lost while Redis was away)
  catch up.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from notification_center.auth.sessions import live_session_keys
from notification_center.db import session_scope
from notification_center.notifications.service import latest_cursors
from notification_center.realtime.broadcaster import NotificationBroadcaster
from notification_center.realtime.client import PING, StreamClient
from notification_center.settings import Settings

logger = logging.getLogger(__name__)

STALLED = "send_timeout"


def _read_state(keys: set[str], user_ids: set[str]) -> tuple[set[str], dict[str, int]]:
    with session_scope() as session:
        return live_session_keys(session=session, keys=keys), latest_cursors(session=session, user_ids=user_ids)


def _streams(broadcaster: NotificationBroadcaster) -> list[StreamClient]:
    return [c for c in broadcaster.local_clients() if isinstance(c, StreamClient) and not c.closed]


async def check_with_database(broadcaster: NotificationBroadcaster) -> None:
    """End streams whose session is gone; make streams behind the database catch up."""
    clients = _streams(broadcaster)
    if not clients:
        return
    keys = {c.session_key for c in clients if c.session_key is not None}
    live, latest = await run_in_threadpool(_read_state, keys, {c.user_id for c in clients})
    for client in clients:
        if client.session_key is not None and client.session_key not in live:
            client.close("session_ended")
        elif latest.get(client.user_id, 0) > client.cursor:
            client.resync()


def check_timing(broadcaster: NotificationBroadcaster, settings: Settings, now: float) -> None:
    """Cut stalled writers (closed ones too: an overflow cannot end a stuck write) and
    streams past their age limit."""
    max_age = settings.max_connection_age_seconds
    for client in broadcaster.local_clients():
        if not isinstance(client, StreamClient):
            continue
        if client.sending_since is not None and now - client.sending_since > settings.send_timeout_seconds:
            client.close(STALLED)
            client.stalled = True
            if client.task is not None:
                client.task.cancel()  # the write itself is stuck: only cancelling ends it
        elif max_age and not client.closed and now - client.opened_at >= max_age:
            client.close("max_age")


class StreamSweeper:
    def __init__(self, broadcaster: NotificationBroadcaster, settings: Settings) -> None:
        self._broadcaster = broadcaster
        self._settings = settings
        self._task: asyncio.Task[None] | None = None

    def ensure_running(self) -> None:
        """Start on the first stream of this worker's event loop (also without a lifespan)."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _tick_seconds(self) -> float:
        s = self._settings
        candidates = [1.0, s.ping_interval_seconds, s.send_timeout_seconds / 2]
        if s.max_connection_age_seconds:
            candidates.append(s.max_connection_age_seconds / 4)
        return max(0.05, min(candidates))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self._settings.ping_interval_seconds
        tick = self._tick_seconds()
        next_ping = loop.time() + interval
        while True:
            await asyncio.sleep(tick)
            now = loop.time()
            try:
                check_timing(self._broadcaster, self._settings, now)
                if now >= next_ping:
                    next_ping = now + interval
                    for client in _streams(self._broadcaster):
                        client.enqueue(PING)
                    await check_with_database(self._broadcaster)
            except Exception:  # a database hiccup must not stop the sweeping for good
                logger.exception("stream sweep failed; retrying next tick")


_sweeper: StreamSweeper | None = None


def get_stream_sweeper(broadcaster: NotificationBroadcaster, settings: Settings) -> StreamSweeper:
    global _sweeper
    if _sweeper is None or _sweeper._broadcaster is not broadcaster:
        _sweeper = StreamSweeper(broadcaster, settings)
    return _sweeper
