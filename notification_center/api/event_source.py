"""THE STREAM CORE: one user's events, whatever carries them (SSE or WebSocket).

Both transports are thin writers over this module (as centrifuge reduces a connection to
Write/Close, and Mercure keeps its encoder apart from the hub): api/stream.py frames the
items as SSE bytes (api/sse_response.py), api/ws_stream.py as WebSocket text messages
(api/ws_connection.py). What the core does, per connection:

1. `admit`: refuses while the server shuts down, checks the sign-in, reads the user's
   latest cursor and the first replay page in one thread hop, then registers with the
   broadcaster under the per-user limit (one count for both transports; cluster-wide with
   Redis). A notification dispatched in between shows in the broadcaster's
   `dispatched_cursor`, so nothing published meanwhile is missed;
2. `items`: `connected` with the cursor it resumes from, then `reset` if some of the
   history after that cursor is gone (purged, expired, deleted: the client reloads its
   list), then everything after it that is still there;
3. live, keeping `cursor` = the last notification written. A live event at or below it is
   a duplicate and dropped; one beyond `cursor + 1` means something was missed (a publish
   raced, Redis was away) and the gap is filled from the database first. Cursors are
   gap-free per user (see notifications/service.py), so this is exact;
4. after each item is written (the writer resumes the generator only then), a notification
   is appended to the worker's delivery batch (history/delivery.py, `delivered_at`) and
   counted in the metrics;
5. a ping when the worker's sweeper queues one (api/stream_sweep.py, which also ends
   streams at the age limit, cuts stalled writes and checks sessions and cursors of every
   stream of the worker, whichever transport carries it). The generator ends when its
   StreamClient is closed; `client.close_reason` says why, and each writer turns that into
   its own ending (SSE: the response ends; WebSocket: a close code).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from notification_center import metrics
from notification_center.api.batched_hop import BatchedHop
from notification_center.api.stream_sweep import get_stream_sweeper
from notification_center.auth.sessions import live_user_ids
from notification_center.db import session_scope
from notification_center.history.delivery import get_delivery_recorder
from notification_center.notifications import service
from notification_center.notifications.serialize import to_wire
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.realtime.client import CLOSED, PING, RESYNC, StreamClient
from notification_center.settings import Settings

REPLAY_PAGE = 500  # rows per database read while replaying or filling a gap

# Why a connection was refused; each writer answers in its own way (HTTP status, close code).
SHUTTING_DOWN = "shutting_down"
UNAUTHENTICATED = "unauthenticated"
OVER_LIMIT = "over_limit"


@dataclass(frozen=True)
class Start:
    """What a connecting stream learns in its one database visit."""

    user_id: str
    latest: int  # the user's newest cursor
    cursor: int  # where the stream continues from: the requested cursor if valid, else latest
    resumed: bool
    replay: list[events.StreamEvent]  # the first page after `cursor`
    missing: int = 0  # cursors in (cursor, latest] that replay cannot give (history gone)


@dataclass(frozen=True)
class Refused:
    cause: str  # SHUTTING_DOWN, UNAUTHENTICATED or OVER_LIMIT
    limit: int = 0  # the per-user limit, for OVER_LIMIT


@dataclass(frozen=True)
class Admitted:
    client: StreamClient
    start: Start
    cleanup: Callable[[], Awaitable[None]]  # releases the connection's slot (idempotent)


def _page(session: Session, user_id: str, after: int, upto: int | None = None) -> list[events.StreamEvent]:
    rows = service.notifications_after(session=session, user_id=user_id, after=after, upto=upto, limit=REPLAY_PAGE)
    return [events.notification_event(to_wire(n), str(n.seq)) for n in rows]


def _starts(requests: Sequence[tuple[str, int | None]]) -> list[Start | None]:
    """Sign-in check, latest cursor and the first replay page of every (session key,
    requested cursor) in one unit of work: connects that arrive together (a reconnect storm
    is thousands of them) share one thread hop, one query for their sessions, one for their
    cursors and one per 200 users for the replays of those a page or less behind; streams of
    one user resuming from one cursor share their page. None for a session that is not live."""
    with session_scope() as session:
        users = live_user_ids(session=session, keys={key for key, _ in requests})
        latest = service.latest_cursors(session=session, user_ids=set(users.values()))
        # Per request, in order: one session (one browser's tabs) may ask from different cursors.
        wanted: list[tuple[str, int, int, bool] | None] = []  # user, latest, cursor, resumed
        for key, requested in requests:
            if (user_id := users.get(key)) is None:
                wanted.append(None)
                continue
            top = latest.get(user_id, 0)
            resumed = requested is not None and requested <= top
            wanted.append((user_id, top, requested if resumed and requested is not None else top, resumed))
        behind = {(w[0], w[2]): w[1] for w in wanted if w is not None and w[2] < w[1]}
        pages = _replays(session, behind)
        return [None if w is None else Start(w[0], w[1], w[2], w[3], *pages.get((w[0], w[2]), ([], 0))) for w in wanted]


def _replays(
    session: Session, behind: dict[tuple[str, int], int]
) -> dict[tuple[str, int], tuple[list[events.StreamEvent], int]]:
    """(first replay page, missing) per (user, cursor) with that user's latest cursor. Users
    a page or less behind, once each (the one a cursor furthest back), are read together; a
    page is then that user's rows after the cursor. The rest (long resumes) one at a time."""
    pages: dict[tuple[str, int], tuple[list[events.StreamEvent], int]] = {}
    near: dict[str, int] = {}
    for (user_id, cursor), top in behind.items():
        if top - cursor <= REPLAY_PAGE:
            near[user_id] = min(cursor, near.get(user_id, cursor))
        else:
            replay = _page(session, user_id, cursor)
            pages[(user_id, cursor)] = (replay, _missing(session, user_id, cursor, top, replay))
    rows = service.notifications_after_many(session=session, after=near) if near else {}
    for (user_id, cursor), top in behind.items():
        if (user_id, cursor) not in pages:
            replay = [events.notification_event(to_wire(n), str(n.seq)) for n in rows[user_id] if n.seq > cursor]
            pages[(user_id, cursor)] = (replay, _missing(session, user_id, cursor, top, replay))
    return pages


_start = BatchedHop(_starts)


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


async def admit(session_key: str | None, requested_cursor: str | None, settings: Settings) -> Admitted | Refused:
    """Check and register one connection; database errors propagate (the callers answer 503)."""
    broadcaster = get_notification_broadcaster()
    if broadcaster.closing:
        return Refused(SHUTTING_DOWN)
    requested = service.parse_cursor(requested_cursor)
    start = None if session_key is None else await _start((session_key, requested))
    if start is None:
        return Refused(UNAUTHENTICATED)
    get_stream_sweeper(broadcaster, settings).ensure_running()
    get_delivery_recorder().ensure_running()
    client = StreamClient(start.user_id, settings.client_buffer_size, session_key)
    limit = settings.max_connections_per_user
    cleanup = await broadcaster.connect(start.user_id, client, client.id, limit)
    if cleanup is None:
        return Refused(OVER_LIMIT, limit)
    return Admitted(client, start, cleanup)


def _after(user_id: str, after: int, upto: int | None = None) -> list[events.StreamEvent]:
    with session_scope() as session:
        return _page(session, user_id, after, upto)


_DELIVERED_NOTIFICATIONS = metrics.EVENTS_DELIVERED.labels(events.NOTIFICATION)


_record_delivery = get_delivery_recorder().pending.append  # the delivered_at batch (history/delivery.py)


def _observe(event: events.StreamEvent) -> None:
    """Called once an event was written to the connection (after its `yield`)."""
    if event.type == events.NOTIFICATION:
        _DELIVERED_NOTIFICATIONS.inc()
        now = time.time()
        _record_delivery((event.data["id"], now))  # one append: the flush is batched per worker
        if (created := event.created_epoch) is not None:
            metrics.DELIVERY_LATENCY.observe(max(now - created, 0.0))
    else:
        metrics.EVENTS_DELIVERED.labels(event.type).inc()


@dataclass
class _Flight:
    started: float  # loop time the read was started
    task: asyncio.Future[list[events.StreamEvent]]


# Database reads under way in this worker, by (user id, after, upto): see `_shared_after`.
_flights: dict[tuple[str, int, int | None], _Flight] = {}


async def _shared_after(user_id: str, after: int, upto: int | None, since: float | None) -> list[events.StreamEvent]:
    """`_after` in a thread, shared by the user's streams that need the same page at once.

    When Redis comes back, every stream of the worker is told to catch up (a RESYNC) at the
    same instant; a user's streams mostly stand at the same cursor, so each would read the
    same page: one thread hop and query per stream, all at once (a worker holding 1,000
    streams: 1,000 queries and up to its whole connection pool; bench/redis_outage.py). A
    stream joins a read of its page only if that read was
    started at or after `since`, the moment its own need arose (the RESYNC was asked for):
    a read started earlier might lack rows committed before that moment.
    """
    loop = asyncio.get_running_loop()
    key = (user_id, after, upto)
    flight = _flights.get(key)
    if flight is None or since is None or flight.started < since:
        flight = _Flight(loop.time(), asyncio.ensure_future(run_in_threadpool(_after, user_id, after, upto)))
        _flights[key] = flight
        flight.task.add_done_callback(lambda _, key=key, flight=flight: _forget(key, flight))
    # Shielded: a stream that ends while waiting must not cancel the read for the others.
    return await asyncio.shield(flight.task)


def _forget(key: tuple[str, int, int | None], flight: _Flight) -> None:
    if _flights.get(key) is flight:
        del _flights[key]
    if not flight.task.cancelled():
        flight.task.exception()  # retrieved: a failed read is raised to its waiters, not logged again


async def _catch_up(
    client: StreamClient, upto: int | None = None, since: float | None = None
) -> AsyncIterator[events.StreamEvent]:
    """Everything after the client's cursor (up to `upto`) from the database, page by page.

    `since`: the loop time this need arose (a RESYNC's); a read of the same page started by
    another stream since then is shared (`_shared_after`). None: a read of its own."""
    while True:
        page = await _shared_after(client.user_id, client.cursor, upto, since)
        if not page:
            return
        client.cursor = int(page[-1].id or client.cursor)
        for event in page:
            yield event
            _observe(event)
        if len(page) < REPLAY_PAGE:
            return


async def items(client: StreamClient, start: Start) -> AsyncIterator[events.StreamEvent]:
    """The events of one stream: connected, the replay, then live events and pings.

    `start` was read before the client registered: a notification dispatched between the
    two shows in the broadcaster's `dispatched_cursor`, and is replayed from the database.
    """
    client.cursor = start.cursor
    connected = events.connected_event(str(start.cursor), start.resumed)
    yield connected
    if start.missing:  # honest replay: say that history is gone before continuing
        reset = events.reset_event(start.missing)
        yield reset
        _observe(reset)
    for event in start.replay:
        client.cursor = event.seq or client.cursor
        yield event
        _observe(event)
    newest = max(start.latest, get_notification_broadcaster().dispatched_cursor(client.user_id))
    if client.cursor < newest:  # else anything newer arrives live: it is registered
        async for item in _catch_up(client):
            yield item

    while True:
        item = await client.next()
        if item is CLOSED:
            metrics.STREAMS_DROPPED.labels(client.close_reason or "closed").inc()
            return
        if item is PING:
            yield events.shared_ping()
        elif item is RESYNC:
            since, client.resync_since = client.resync_since, None
            async for caught in _catch_up(client, since=since):
                yield caught
        elif isinstance(item, events.StreamEvent):
            seq = item.seq
            if seq is None:  # read-state sync, replies and other events without a cursor
                yield item
                _observe(item)
            elif seq == client.cursor + 1:  # the common case: next in line
                client.cursor = seq
                yield item
                _observe(item)
            elif seq > client.cursor:  # something was missed: fill the gap from the database
                async for caught in _catch_up(client, upto=seq):
                    yield caught
            # else: at or below the cursor, a duplicate of the replay
