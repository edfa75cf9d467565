"""The WebSocket stream's own wire rules (pure): close codes, client messages, their rate.

Server to client: one envelope (realtime/events.py, the SSE stream's `data:`) per text
message, plus `reply` envelopes answering client messages. Client to server: small JSON
objects, `{"op": "resume", "lastEventId"}` (only as the first message) and `{"op":
"read"|"seen"|"archive", "id", "ref"?}`. Anything else closes the socket with a code of the
4000 range whose reason names the cause; README "The stream protocol" has the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BYTES = 4096  # a client message is tiny; anything larger is refused unread
ACTION_OPS = frozenset({"read", "seen", "archive"})
RESUME = "resume"
MAX_ID_CHARS = 64
MAX_REF_CHARS = 64

# Close codes (the 4000 range is the application's: RFC 6455 section 7.4.2). The reason
# starts with the cause, so a client can read it; codes are what clients act on:
# 4401/4403 stop (like the SSE stream's 401), every other one reconnects and resumes.
AGE_LIMIT = 4000
BAD_MESSAGE = 4400
UNAUTHENTICATED = 4401
ORIGIN_REFUSED = 4403
SLOW_READER = 4408
MESSAGE_TOO_LARGE = 4413
OVER_LIMIT = 4429  # too many streams for this user, or too many client messages
UNAVAILABLE = 4503  # shutting down, or the database is away

# StreamClient.close_reason -> (code, reason). "client_gone" and "send_timeout" send no
# close frame: the peer is gone or not reading.
CLOSE_REASONS: dict[str, tuple[int, str]] = {
    "max_age": (AGE_LIMIT, "age limit: the connection reached NC_MAX_CONNECTION_AGE_SECONDS; resume"),
    "overflow": (SLOW_READER, "slow reader: the connection's buffer overflowed; resume"),
    "session_ended": (UNAUTHENTICATED, "unauthenticated: the session ended (signed out or expired)"),
    "revoked": (UNAUTHENTICATED, "unauthenticated: the session was revoked"),
    "shutdown": (UNAVAILABLE, "shutting down: reconnect"),
    "closed": (UNAVAILABLE, "closed by the server: reconnect"),
    "bad_message": (BAD_MESSAGE, "bad message"),
    "message_too_large": (MESSAGE_TOO_LARGE, f"message too large: at most {MAX_MESSAGE_BYTES} bytes"),
    "rate_limited": (OVER_LIMIT, "message rate exceeded: too many client messages"),
}
SILENT_ENDS = frozenset({"client_gone", "send_timeout"})


class BadMessage(ValueError):
    """A client message that breaks the rules; `reason` is the close code's cause key."""

    def __init__(self, detail: str, reason: str = "bad_message") -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason


@dataclass(frozen=True)
class ClientMessage:
    op: str
    id: str | None = None  # the notification id (action ops)
    last_event_id: str | None = None  # resume
    ref: str | int | None = None  # echoed in the reply, for the client's bookkeeping


def close_frame(reason: str | None, detail: str | None = None) -> tuple[int, str] | None:
    """The (code, reason text) to close with after the stream ended for `reason`, or None."""
    if reason in SILENT_ENDS:
        return None
    code, text = CLOSE_REASONS.get(reason or "closed", CLOSE_REASONS["closed"])
    if detail:
        text = f"{text}: {detail}"
    return code, fit_reason(text)


def fit_reason(text: str) -> str:
    """A close reason is at most 123 bytes of UTF-8 (RFC 6455 section 5.5)."""
    data = text.encode()
    return text if len(data) <= 123 else data[:123].decode(errors="ignore")


def _short(value: Any) -> str:
    return json.dumps(value)[:24]


def parse(message: dict[str, Any]) -> ClientMessage:
    """A `websocket.receive` ASGI message -> a ClientMessage, or BadMessage."""
    text = message.get("text")
    if text is None:
        if message.get("bytes") is not None:
            raise BadMessage("binary messages are not accepted; send JSON text")
        raise BadMessage("empty message")
    if len(text) > MAX_MESSAGE_BYTES or len(text.encode()) > MAX_MESSAGE_BYTES:
        raise BadMessage(f"{len(text.encode())} bytes", "message_too_large")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise BadMessage("not JSON") from None
    if not isinstance(body, dict):
        raise BadMessage("not a JSON object")
    op = body.get("op")
    if not isinstance(op, str):
        raise BadMessage("op: must be a string")
    ref = body.get("ref")
    if ref is not None and (isinstance(ref, bool) or not isinstance(ref, int | str) or len(str(ref)) > MAX_REF_CHARS):
        raise BadMessage("ref: must be a short string or number")
    if op == RESUME:
        cursor = body.get("lastEventId")
        if isinstance(cursor, bool) or (cursor is not None and not isinstance(cursor, str | int)):
            raise BadMessage("lastEventId: must be a string")
        return ClientMessage(RESUME, last_event_id=None if cursor is None else str(cursor), ref=ref)
    if op not in ACTION_OPS:
        raise BadMessage(f"op: unknown op {_short(op)}")
    notification_id = body.get("id")
    if not isinstance(notification_id, str) or not 0 < len(notification_id) <= MAX_ID_CHARS:
        raise BadMessage("id: must be a notification id (a string)")
    return ClientMessage(op, id=notification_id, ref=ref)


class MessageRate:
    """A token bucket per connection: `burst` messages at once, `per_second` sustained."""

    __slots__ = ("_at", "_tokens", "burst", "per_second")

    def __init__(self, burst: int, per_second: float, now: float) -> None:
        self.burst = burst
        self.per_second = per_second
        self._tokens = float(burst)
        self._at = now

    def allow(self, now: float) -> bool:
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


def reply_data(message: ClientMessage, notification: dict[str, Any] | None) -> dict[str, Any]:
    """The `reply` envelope's data: what the REST route answers, with its status."""
    data: dict[str, Any] = {"op": message.op, "id": message.id}
    if message.ref is not None:
        data["ref"] = message.ref
    if notification is None:
        return {**data, "status": 404, "error": f"no notification {message.id!r}"}
    return {**data, "status": 200, "notification": notification}
