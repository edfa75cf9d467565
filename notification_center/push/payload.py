"""What a push carries, and its headers: pure, unit-tested apart from the sender.

The payload is JSON the service worker shows as a notification (title, body, url, tag).
Push services accept about 4 KB of encrypted payload, so the body is cut to fit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

MAX_PAYLOAD_BYTES = 3000  # below the 4096 octets RFC 8291 guarantees, after encryption overhead
URGENCY = {"low": "low", "normal": "normal", "high": "high", "urgent": "high"}


def build_payload(notification: Mapping[str, Any]) -> bytes:
    """`{"title","body","id","url","tag"}` as UTF-8 JSON under MAX_PAYLOAD_BYTES (the body is
    shortened, with an ellipsis, when it must be). `url` is the notification's link or the
    app's root; `tag` its groupKey, so a group's pushes replace one another."""
    data = {
        "title": notification["title"],
        "body": notification.get("content") or "",
        "id": notification["id"],
        "url": notification.get("url") or "/",
        "tag": notification.get("group_key"),
    }
    encoded = _encode(data)
    over = len(encoded) - MAX_PAYLOAD_BYTES
    if over > 0:  # cut the body by bytes (JSON escapes may cost more: checked again below)
        body = data["body"].encode()
        data["body"] = body[: max(len(body) - over - 3, 0)].decode(errors="ignore").rstrip() + "…"
        encoded = _encode(data)
        while len(encoded) > MAX_PAYLOAD_BYTES and len(data["body"]) > 1:
            data["body"] = data["body"][: len(data["body"]) // 2] + "…"
            encoded = _encode(data)
    return encoded


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def urgency_of(priority: str) -> str:
    """RFC 8030 `Urgency` from the notification's priority."""
    return URGENCY.get(priority, "normal")


def ttl_of(expires_at: datetime | None, now: datetime, default: int) -> int:
    """`TTL` in seconds: until the notification expires, else `default`. 0 once expired."""
    if expires_at is None:
        return default
    if expires_at.tzinfo is None:  # SQLite returns naive UTC
        expires_at = expires_at.replace(tzinfo=UTC)
    return max(int((expires_at - now).total_seconds()), 0)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A `Retry-After` header (delta seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)
