"""The notification's wire shape (camelCase JSON, CONTRACT section 5)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from notification_center.models import Notification
from notification_center.timefmt import iso_ms


def to_wire(notification: Notification | Mapping[str, Any]) -> dict[str, Any]:
    """The wire shape of a notification, from the model or from a row dict (bulk sends)."""
    row = notification if isinstance(notification, Mapping) else _columns(notification)
    created_at = iso_ms(row["created_at"])
    updated_at = row["updated_at"]
    return {
        "id": row["id"],
        "userId": row["user_id"],
        "type": row["type"],
        "priority": row["priority"],
        "title": row["title"],
        "content": row["content"],
        "channels": [c for c in row["channels"].split(",") if c],
        "status": row["status"],
        "createdAt": created_at,
        "updatedAt": created_at if updated_at == row["created_at"] else iso_ms(updated_at),
        "readAt": _iso_or_none(row["read_at"]),
        "seenAt": _iso_or_none(row.get("seen_at")),
        "archivedAt": _iso_or_none(row.get("archived_at")),
        "snoozedUntil": _iso_or_none(row.get("snoozed_until")),
        "expiresAt": _iso_or_none(row.get("expires_at")),
        "category": row.get("category") or "general",
        "url": row.get("url"),
        "actions": row.get("actions"),
        "actionTaken": row.get("action_taken"),
        "groupKey": row.get("group_key"),
        "groupCount": row.get("group_count") or 1,
    }


def _iso_or_none(value: datetime | None) -> str | None:
    return iso_ms(value) if value else None


def _columns(notification: Notification) -> dict[str, Any]:
    return {name: getattr(notification, name) for name in _WIRE_COLUMNS}


_WIRE_COLUMNS = (
    "id",
    "user_id",
    "type",
    "priority",
    "title",
    "content",
    "channels",
    "status",
    "created_at",
    "updated_at",
    "read_at",
    "seen_at",
    "archived_at",
    "snoozed_until",
    "expires_at",
    "category",
    "url",
    "actions",
    "action_taken",
    "group_key",
    "group_count",
)
