"""GET /api/notifications/stream: one user's live notifications over SSE.

Per connection, sse-starlette races the event generator below against its own ping
task and the client's disconnect. The generator:

1. registers the client with the broadcaster *before* reading history, so nothing
   published meanwhile is missed;
2. sends `connected` with the cursor it resumes from, then replays from the database
   everything after that cursor;
3. goes live, keeping `cursor` = the last notification written. A live event at or below
   it is a duplicate and dropped; one beyond `cursor + 1` means something was missed (a
   publish raced, Redis was away) and the gap is filled from the database first. Cursors
   are gap-free per user (see notifications/service.py), so this is exact.
4. ends at once when its session is revoked (a `revoked` message from any worker closes
   the client); every ping interval re-checks the session (expiry, and revocations
   announced nowhere, e.g. by the CLI without Redis) and the age
   limit, and, if the interval was quiet, catches up from the database (a safety net for
   a lost publish; under traffic the next live event's gap check does the same).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from functools import lru_cache

import anyio
from sse_starlette import EventSourceResponse
from sse_starlette.sse import SendTimeoutError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from notification_center import metrics
from notification_center.api.deps import optional_user
from notification_center.auth.sessions import COOKIE_NAME, is_session_live, session_key
from notification_center.db import session_scope
from notification_center.models import utcnow
from notification_center.notifications import service
from notification_center.notifications.serialize import to_wire
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.realtime.client import CLOSED, RESYNC, StreamClient
from notification_center.settings import get_settings

logger = logging.getLogger(__name__)

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
REPLAY_PAGE = 500  # rows per database read while replaying or filling a gap


def _latest(user_id: str) -> int:
    with session_scope() as session:
        return service.latest_cursor(session=session, user_id=user_id)


def _after(user_id: str, after: int, upto: int | None = None) -> list[events.StreamEvent]:
    with session_scope() as session:
        rows = service.notifications_after(session=session, user_id=user_id, after=after, upto=upto, limit=REPLAY_PAGE)
        return [events.notification_event(to_wire(n), str(n.seq)) for n in rows]


def _session_live(cookie: str) -> bool:
    with session_scope() as session:
        return is_session_live(session=session, cookie_value=cookie)


def _requested_cursor(request: Request) -> str | None:
    return request.headers.get("last-event-id") or request.query_params.get("lastEventId")


@lru_cache(maxsize=1024)
def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _observe(event: events.StreamEvent) -> None:
    metrics.EVENTS_DELIVERED.labels(event.type).inc()
    if event.type == events.NOTIFICATION and event.id is not None:
        created = event.data.get("createdAt")
        if isinstance(created, str):
            age = (utcnow() - _parse_iso(created)).total_seconds()
            metrics.DELIVERY_LATENCY.observe(max(age, 0.0))


class NotificationStreamResponse(EventSourceResponse):
    """An EventSourceResponse that treats a stalled reader as routine, not as an error."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except SendTimeoutError:
            metrics.STREAMS_DROPPED.labels("send_timeout").inc()
            logger.info("cut off a stream whose client stopped reading")


class _Stream:
    """Where one connection's generator stands: the last cursor it wrote."""

    def __init__(self, user_id: str, cursor: int) -> None:
        self.user_id = user_id
        self.cursor = cursor

    async def catch_up(self, upto: int | None = None) -> AsyncIterator[events.StreamEvent]:
        """Everything after `cursor` (up to `upto`) from the database, page by page."""
        while True:
            page = await run_in_threadpool(_after, self.user_id, self.cursor, upto)
            if not page:
                return
            self.cursor = int(page[-1].id or self.cursor)
            for event in page:
                yield event
            if len(page) < REPLAY_PAGE:
                return

    async def accept(self, event: events.StreamEvent) -> AsyncIterator[events.StreamEvent]:
        """What to write for one live event: nothing (duplicate), it, or gap + it."""
        if event.type != events.NOTIFICATION or event.id is None:
            yield event
            return
        seq = int(event.id)
        if seq <= self.cursor:
            return
        if seq == self.cursor + 1:
            self.cursor = seq
            yield event
            return
        async for missed in self.catch_up(upto=seq):
            yield missed


async def stream(request: Request) -> Response:
    settings = get_settings()
    user = await optional_user(request)
    if user is None:
        return JSONResponse({"error": "not signed in"}, status_code=401)
    cookie = request.cookies[COOKIE_NAME]

    broadcaster = get_notification_broadcaster()
    client = StreamClient(user.id, settings.client_buffer_size)
    cleanup = await broadcaster.connect(user.id, client, client.id, settings.max_connections_per_user)
    if cleanup is None:
        limit = settings.max_connections_per_user
        return JSONResponse(
            {"error": f"too many open streams for this user (limit {limit})", "limit": limit},
            status_code=429,
        )
    # A revocation of this session (logout, sign out everywhere, a password change)
    # announced on any worker closes the client at once.
    unwatch = broadcaster.watch_session(session_key(cookie) or "", client)

    async def release() -> None:
        unwatch()
        await cleanup()

    async def generate() -> AsyncIterator[bytes]:
        try:
            latest = await run_in_threadpool(_latest, user.id)
            requested = service.parse_cursor(_requested_cursor(request))
            resumed = requested is not None and requested <= latest
            state = _Stream(user.id, requested if resumed else latest)
            yield events.connected_event(str(state.cursor), resumed).encode(retry_ms=settings.retry_ms)
            async for event in state.catch_up():
                _observe(event)
                yield event.frame

            started = time.monotonic()
            max_age = settings.max_connection_age_seconds
            interval = settings.ping_interval_seconds
            ends_at = started + max_age if max_age else float("inf")
            next_check = started + interval
            while True:
                item = await client.next(timeout=max(0.0, min(next_check, ends_at) - time.monotonic()))
                if item is CLOSED:
                    metrics.STREAMS_DROPPED.labels(client.close_reason or "closed").inc()
                    return
                now = time.monotonic()
                if now >= ends_at:
                    metrics.STREAMS_DROPPED.labels("max_age").inc()
                    return
                if now >= next_check:  # periodic: logout/expiry end the stream; lost publishes
                    next_check = now + interval
                    if not await run_in_threadpool(_session_live, cookie):
                        metrics.STREAMS_DROPPED.labels("session_ended").inc()
                        return
                    if item is None:
                        item = RESYNC
                if item is None:
                    continue
                async for event in state.catch_up() if item is RESYNC else state.accept(item):
                    _observe(event)
                    yield event.frame
        finally:
            with anyio.CancelScope(shield=True):  # a cancelled stream must still free its slot
                await release()

    return NotificationStreamResponse(
        generate(),
        headers=HEADERS,
        media_type="text/event-stream; charset=utf-8",
        ping=settings.ping_interval_seconds,
        ping_message_factory=lambda: events.ping_event().to_sse(),
        send_timeout=settings.send_timeout_seconds,
        background=BackgroundTask(release),  # also when the generator never started
    )


routes = [Route("/api/notifications/stream", stream, methods=["GET"])]
