"""GET /api/notifications/stream: one user's live notifications over SSE.

Per connection, one coroutine (api/sse_response.py) writes what the generator below
yields; the client going away closes its StreamClient, which ends the generator. It:

1. checks the sign-in and reads the user's latest cursor and the first replay page in one
   thread hop, then registers with the broadcaster; a notification dispatched in between
   shows in the broadcaster's `dispatched_cursor`, so nothing published meanwhile is missed;
2. sends `connected` with the cursor it resumes from, then `reset` if some of the history
   after that cursor is gone (purged, expired, deleted: the client reloads its list), then
   replays everything after it that is still there;
3. goes live, keeping `cursor` = the last notification written. A live event at or below
   it is a duplicate and dropped; one beyond `cursor + 1` means something was missed (a
   publish raced, Redis was away) and the gap is filled from the database first. Cursors
   are gap-free per user (see notifications/service.py), so this is exact.
4. after each notification is written, appends (id, time) to the worker's delivery batch
   (history/delivery.py), which stamps `delivered_at` in one UPDATE about every second;
5. writes a ping when the worker's sweeper queues one. The sweeper (api/stream_sweep.py)
   also ends streams at the age limit, cuts stalled writes, and once per ping interval
   checks every stream's session (logout/expiry end the stream) and cursor (a stream
   behind the database catches up) with one query each for the whole worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from notification_center import metrics
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.api.sse_response import EventStreamResponse
from notification_center.api.stream_sweep import get_stream_sweeper
from notification_center.auth.sessions import cookie_name, live_user_id, session_key
from notification_center.db import session_scope
from notification_center.history.delivery import get_delivery_recorder
from notification_center.notifications import service
from notification_center.notifications.serialize import to_wire
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.realtime.client import CLOSED, PING, RESYNC, StreamClient
from notification_center.settings import Settings, get_settings

logger = logging.getLogger(__name__)

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
REPLAY_PAGE = 500  # rows per database read while replaying or filling a gap


@dataclass(frozen=True)
class _Start:
    """What a connecting stream learns in its one database visit."""

    user_id: str
    latest: int  # the user's newest cursor
    cursor: int  # where the stream continues from: the requested cursor if valid, else latest
    resumed: bool
    replay: list[events.StreamEvent]  # the first page after `cursor`
    missing: int = 0  # cursors in (cursor, latest] that replay cannot give (history gone)


def _page(session: Session, user_id: str, after: int, upto: int | None = None) -> list[events.StreamEvent]:
    rows = service.notifications_after(session=session, user_id=user_id, after=after, upto=upto, limit=REPLAY_PAGE)
    return [events.notification_event(to_wire(n), str(n.seq)) for n in rows]


def _start(key: str, requested: int | None) -> _Start | None:
    """Sign-in check, latest cursor and the first replay page in one unit of work: one
    thread hop per connect, which is what a reconnect storm of thousands is made of."""
    with session_scope() as session:
        user_id = live_user_id(session=session, key=key)
        if user_id is None:
            return None
        latest = service.latest_cursor(session=session, user_id=user_id)
        resumed = requested is not None and requested <= latest
        cursor = requested if resumed and requested is not None else latest
        replay = _page(session, user_id, cursor) if cursor < latest else []
        return _Start(user_id, latest, cursor, resumed, replay, _missing(session, user_id, cursor, latest, replay))


def _missing(session: Session, user_id: str, cursor: int, latest: int, replay: list[events.StreamEvent]) -> int:
    """How much of (cursor, latest] is gone (purged, expired, deleted, put away): cursors are
    gap-free, so whatever replay lacks is missing. A first page that spans the whole range
    answers without another query; a longer range is counted (only on such resumes)."""
    span = latest - cursor
    if span <= 0:
        return 0
    if span <= REPLAY_PAGE:  # (a row committed after `latest` was read may be in the page too)
        return span - sum(1 for event in replay if (event.seq or 0) <= latest)
    return span - service.count_after(session=session, user_id=user_id, after=cursor, upto=latest)


def _after(user_id: str, after: int, upto: int | None = None) -> list[events.StreamEvent]:
    with session_scope() as session:
        return _page(session, user_id, after, upto)


def _requested_cursor(request: Request) -> str | None:
    return request.headers.get("last-event-id") or request.query_params.get("lastEventId")


_DELIVERED_NOTIFICATIONS = metrics.EVENTS_DELIVERED.labels(events.NOTIFICATION)


_record_delivery = get_delivery_recorder().pending.append  # the delivered_at batch (history/delivery.py)


def _observe(event: events.StreamEvent) -> None:
    """Called once an event's frame was written to the socket (after its `yield`)."""
    if event.type == events.NOTIFICATION:
        _DELIVERED_NOTIFICATIONS.inc()
        now = time.time()
        _record_delivery((event.data["id"], now))  # one append: the flush is batched per worker
        if (created := event.created_epoch) is not None:
            metrics.DELIVERY_LATENCY.observe(max(now - created, 0.0))
    else:
        metrics.EVENTS_DELIVERED.labels(event.type).inc()


async def _catch_up(client: StreamClient, upto: int | None = None) -> AsyncIterator[bytes]:
    """Everything after the client's cursor (up to `upto`) from the database, page by page."""
    while True:
        page = await run_in_threadpool(_after, client.user_id, client.cursor, upto)
        if not page:
            return
        client.cursor = int(page[-1].id or client.cursor)
        for event in page:
            yield event.frame
            _observe(event)
        if len(page) < REPLAY_PAGE:
            return


async def _events(client: StreamClient, start: _Start, settings: Settings) -> AsyncIterator[bytes]:
    """The frames of one stream: connected, the replay, then live events and pings.

    `start` was read before the client registered: a notification dispatched between the
    two shows in the broadcaster's `dispatched_cursor`, and is replayed from the database.
    """
    client.cursor = start.cursor
    yield events.connected_event(str(start.cursor), start.resumed).encode(retry_ms=settings.retry_ms)
    if start.missing:  # honest replay: say that history is gone before continuing
        reset = events.reset_event(start.missing)
        _observe(reset)
        yield reset.frame
    for event in start.replay:
        client.cursor = event.seq or client.cursor
        yield event.frame
        _observe(event)
    newest = max(start.latest, get_notification_broadcaster().dispatched_cursor(client.user_id))
    if client.cursor < newest:  # else anything newer arrives live: it is registered
        async for frame in _catch_up(client):
            yield frame

    while True:
        item = await client.next()
        if item is CLOSED:
            metrics.STREAMS_DROPPED.labels(client.close_reason or "closed").inc()
            return
        if item is PING:
            yield events.ping_frame()
        elif item is RESYNC:
            async for frame in _catch_up(client):
                yield frame
        elif isinstance(item, events.StreamEvent):
            seq = item.seq
            if seq is None:  # read-state sync and other events without a cursor
                yield item.frame
                _observe(item)
            elif seq == client.cursor + 1:  # the common case: next in line
                client.cursor = seq
                yield item.frame
                _observe(item)
            elif seq > client.cursor:  # something was missed: fill the gap from the database
                async for frame in _catch_up(client, upto=seq):
                    yield frame
            # else: at or below the cursor, a duplicate of the replay


async def _open(request: Request) -> Response:
    """Sign-in and per-user limit checks, then the stream (or a 401/429/503 JSON answer)."""
    settings = get_settings()
    broadcaster = get_notification_broadcaster()
    if broadcaster.closing:
        return JSONResponse(
            {"error": "this server is shutting down; reconnect"},
            status_code=503,
            headers={"Retry-After": "1"},
        )
    key = session_key(request.cookies.get(cookie_name()))
    requested = service.parse_cursor(_requested_cursor(request))
    start = None if key is None else await run_in_threadpool(_start, key, requested)
    if start is None:
        return JSONResponse({"error": "not signed in"}, status_code=401)
    user_id = start.user_id
    get_stream_sweeper(broadcaster, settings).ensure_running()
    get_delivery_recorder().ensure_running()
    client = StreamClient(user_id, settings.client_buffer_size, key)
    cleanup = await broadcaster.connect(user_id, client, client.id, settings.max_connections_per_user)
    if cleanup is None:
        limit = settings.max_connections_per_user
        return JSONResponse(
            {"error": f"too many open streams for this user (limit {limit})", "limit": limit},
            status_code=429,
        )
    return EventStreamResponse(
        _events(client, start, settings),
        headers=HEADERS,
        media_type="text/event-stream; charset=utf-8",
        writer=client,
        on_disconnect=partial(client.close, "client_gone"),
        cleanup=cleanup,
    )


class StreamEndpoint:
    """A plain ASGI endpoint rather than a Starlette request handler: its wrapper layers
    would stay on the stack of every open stream for its whole life (bench/README.md)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await _open(Request(scope, receive))
        await response(scope, receive, send)


_CURSOR_DOC = "resume after this cursor (an event's `id:`); a malformed or unknown one replays nothing"
_OPERATION = Operation(
    "The user's live notifications as Server-Sent Events (README: the stream protocol)",
    "notifications",
    (
        Reply(200, "the event stream; it does not end on its own", None, "text/event-stream"),
        Reply(429, "too many open streams for this user; `limit` says how many"),
        Reply(503, "this server is shutting down; reconnect (Retry-After)"),
    ),
    auth="user",
    params=(
        Param("Last-Event-ID", "header", {"type": "string"}, _CURSOR_DOC + " (sent by browsers on reconnect)"),
        Param("lastEventId", "query", {"type": "string"}, _CURSOR_DOC + " (used when the header is absent)"),
    ),
)
routes = [ApiRoute("/api/notifications/stream", StreamEndpoint(), "GET", _OPERATION, name="stream")]
