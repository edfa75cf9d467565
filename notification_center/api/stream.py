"""GET /api/notifications/stream: one user's live notifications over SSE.

Per connection, one coroutine (api/sse_response.py) writes what the generator below
yields; the client going away closes its StreamClient, which ends the generator. It:

1. registers the client with the broadcaster *before* reading history, so nothing
   published meanwhile is missed;
2. sends `connected` with the cursor it resumes from, then replays from the database
   everything after that cursor;
3. goes live, keeping `cursor` = the last notification written. A live event at or below
   it is a duplicate and dropped; one beyond `cursor + 1` means something was missed (a
   publish raced, Redis was away) and the gap is filled from the database first. Cursors
   are gap-free per user (see notifications/service.py), so this is exact.
4. sends a ping every ping interval and ends at the age limit. Session checks
   (logout/expiry end the stream) and the safety net for a lost publish (a stream behind
   the database catches up) run once per interval for all streams of the worker in one
   query each (api/stream_sweep.py), not per stream.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from functools import lru_cache

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notification_center import metrics
from notification_center.api.deps import optional_user
from notification_center.api.sse_response import EventStreamResponse
from notification_center.auth.sessions import COOKIE_NAME, session_key
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


async def _catch_up(client: StreamClient, upto: int | None = None) -> AsyncIterator[events.StreamEvent]:
    """Everything after the client's cursor (up to `upto`) from the database, page by page."""
    while True:
        page = await run_in_threadpool(_after, client.user_id, client.cursor, upto)
        if not page:
            return
        client.cursor = int(page[-1].id or client.cursor)
        for event in page:
            yield event
        if len(page) < REPLAY_PAGE:
            return


async def _accept(client: StreamClient, event: events.StreamEvent) -> AsyncIterator[events.StreamEvent]:
    """What to write for one live event: nothing (duplicate), it, or gap + it."""
    if event.type != events.NOTIFICATION or event.id is None:
        yield event
        return
    seq = int(event.id)
    if seq <= client.cursor:
        return
    if seq == client.cursor + 1:
        client.cursor = seq
        yield event
        return
    async for missed in _catch_up(client, upto=seq):
        yield missed


async def stream(request: Request) -> Response:
    settings = get_settings()
    user = await optional_user(request)
    if user is None:
        return JSONResponse({"error": "not signed in"}, status_code=401)
    broadcaster = get_notification_broadcaster()
    client = StreamClient(user.id, settings.client_buffer_size, session_key(request.cookies.get(COOKIE_NAME)))
    cleanup = await broadcaster.connect(user.id, client, client.id, settings.max_connections_per_user)
    if cleanup is None:
        limit = settings.max_connections_per_user
        return JSONResponse(
            {"error": f"too many open streams for this user (limit {limit})", "limit": limit},
            status_code=429,
        )

    async def generate() -> AsyncIterator[bytes]:
        latest = await run_in_threadpool(_latest, user.id)
        requested = service.parse_cursor(_requested_cursor(request))
        resumed = requested is not None and requested <= latest
        client.cursor = requested if resumed and requested is not None else latest
        yield events.connected_event(str(client.cursor), resumed).encode(retry_ms=settings.retry_ms)
        if client.cursor < latest:  # else anything newer arrives live: we subscribed first
            async for event in _catch_up(client):
                _observe(event)
                yield event.frame

        interval = settings.ping_interval_seconds
        now = time.monotonic()
        ends_at = now + settings.max_connection_age_seconds if settings.max_connection_age_seconds else float("inf")
        next_ping = now + interval
        while True:
            item = await client.next(timeout=max(0.0, min(next_ping, ends_at) - time.monotonic()))
            if item is CLOSED:
                metrics.STREAMS_DROPPED.labels(client.close_reason or "closed").inc()
                return
            now = time.monotonic()
            if now >= ends_at:
                metrics.STREAMS_DROPPED.labels("max_age").inc()
                return
            if item is not None:
                async for event in _catch_up(client) if item is RESYNC else _accept(client, item):
                    _observe(event)
                    yield event.frame
            if now >= next_ping:
                next_ping = now + interval
                yield events.ping_frame()

    def send_timed_out() -> None:
        metrics.STREAMS_DROPPED.labels("send_timeout").inc()
        logger.info("cut off a stream whose client stopped reading")

    return EventStreamResponse(
        generate(),
        headers=HEADERS,
        media_type="text/event-stream; charset=utf-8",
        send_timeout=settings.send_timeout_seconds,
        on_disconnect=lambda: client.close("client_gone"),
        on_send_timeout=send_timed_out,
        cleanup=cleanup,
    )


routes = [Route("/api/notifications/stream", stream, methods=["GET"])]
