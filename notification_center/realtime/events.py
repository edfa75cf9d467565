"""Wire format: the JSON envelope of CONTRACT section 4, as SSE (framed by sse-starlette)
or as one WebSocket text message (`StreamEvent.text`, which adds the cursor as `"id"`).

Pure functions and values only, so the exact bytes are unit-tested apart from the route.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sse_starlette import ServerSentEvent

from notification_center.timefmt import iso_ms

CONNECTED = "connected"
NOTIFICATION = "notification"
PING = "ping"
# Read-state sync: another tab (or the API) marked notifications read.
READ = "read"
# Inbox lifecycle (CONTRACT section 9): keep every tab of the user in step. Each travels
# as a user event (`user_event`), carrying the changed ids and the badges after the change.
SEEN = "seen"
ARCHIVED = "archived"
DELETED = "deleted"
UPDATED = "updated"  # a row changed in place: a grouped row, a snoozed one returning
EXPIRED = "expired"
RESET = "reset"  # the resume cursor's history is gone: the client must reload its list
# The user changed their alert preferences: every tab applies the new map at once.
PREFERENCES = "preferences"
# The WebSocket's answer to a client message (api/ws_protocol.py), to that connection only.
REPLY = "reply"
# `read` also travels as a user event: bulk read/unread and their undo (`"read": false`,
# `"reload": true`) carry shapes the read-state message (`ReadMessage`) does not have.
USER_EVENT_TYPES = frozenset({READ, SEEN, ARCHIVED, DELETED, UPDATED, EXPIRED, RESET, PREFERENCES})


@dataclass(frozen=True)
class StreamEvent:
    """One event for one stream: envelope type and data, and the SSE `id:` cursor if any."""

    type: str
    data: dict[str, Any]
    id: str | None = None
    timestamp: str = field(default_factory=iso_ms)

    def envelope(self) -> str:
        body = {"type": self.type, "data": self.data, "timestamp": self.timestamp}
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    @cached_property
    def text(self) -> str:
        """One WebSocket text message, built once: the envelope plus `"id"` (the cursor that
        SSE sends on its `id:` line) when the event has one."""
        body = {"type": self.type, "data": self.data, "timestamp": self.timestamp}
        if self.id is not None:
            body["id"] = self.id
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    def to_sse(self, retry_ms: int | None = None) -> ServerSentEvent:
        return ServerSentEvent(data=self.envelope(), id=self.id, retry=retry_ms)

    def encode(self, retry_ms: int | None = None) -> bytes:
        return self.to_sse(retry_ms).encode()

    @cached_property
    def seq(self) -> int | None:
        """The cursor as a number (None for events without one); parsed once per event."""
        return None if self.id is None else int(self.id)

    @cached_property
    def created_epoch(self) -> float | None:
        """A notification's `createdAt` in epoch seconds, for the delivery-latency metric."""
        created = self.data.get("createdAt") if self.type == NOTIFICATION else None
        if not isinstance(created, str):
            return None
        return datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()

    @cached_property
    def frame(self) -> bytes:
        """The encoded frame, built once: one event fans out to many streams."""
        return self.encode()


def connected_event(cursor: str, resumed: bool) -> StreamEvent:
    data = {"message": "Connected to notification stream", "resumed": resumed}
    return StreamEvent(CONNECTED, data, id=cursor)


def notification_event(notification: dict[str, Any], cursor: str | None) -> StreamEvent:
    return StreamEvent(NOTIFICATION, notification, id=cursor)


def ping_event() -> StreamEvent:
    return StreamEvent(PING, {"message": "ping"})


_ping_cache: tuple[int, StreamEvent] = (-1, StreamEvent(PING, {}))


def shared_ping() -> StreamEvent:
    """A ping event that streams pinging within the same 100 ms share (and its encodings)."""
    global _ping_cache
    tick = time.monotonic_ns() // 100_000_000
    if _ping_cache[0] != tick:
        _ping_cache = (tick, ping_event())
    return _ping_cache[1]


def ping_frame() -> bytes:
    """The encoded SSE ping, shared like `shared_ping`."""
    return shared_ping().frame


def read_event(ids: list[str], unread_count: int, unseen_count: int | None = None) -> StreamEvent:
    return StreamEvent(READ, _with_unseen({"ids": ids, "unreadCount": unread_count}, unseen_count))


def _with_unseen(data: dict[str, Any], unseen_count: int | None) -> dict[str, Any]:
    # Messages from a worker of the previous release carry no unseen count.
    return data if unseen_count is None else {**data, "unseenCount": unseen_count}


def read_up_to_event(up_to: str, unread_count: int, unseen_count: int | None = None) -> StreamEvent:
    """Read-all: a bound instead of every id, so the event stays small however many there were."""
    return StreamEvent(READ, _with_unseen({"upTo": up_to, "unreadCount": unread_count}, unseen_count))


def user_event(event_type: str, data: dict[str, Any]) -> StreamEvent:
    """A lifecycle event (USER_EVENT_TYPES): no cursor, since replay re-reads rows instead."""
    return StreamEvent(event_type, data)


def reply_event(data: dict[str, Any]) -> StreamEvent:
    return StreamEvent(REPLY, data)


def reset_event(missing: int) -> StreamEvent:
    """Sent right after `connected` when the resumed-from history is partly gone."""
    message = "Some notifications after your cursor are no longer available; reload the list"
    return StreamEvent(RESET, {"message": message, "missing": missing})
