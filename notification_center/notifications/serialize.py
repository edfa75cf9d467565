"""The notification's wire shape (camelCase JSON, CONTRACT section 5)."""

from __future__ import annotations

from typing import Any

from notification_center.models import Notification
from notification_center.timefmt import iso_ms


def to_wire(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "userId": notification.user_id,
        "type": notification.type,
        "priority": notification.priority,
        "title": notification.title,
        "content": notification.content,
        "channels": [c for c in notification.channels.split(",") if c],
        "status": notification.status,
        "createdAt": iso_ms(notification.created_at),
        "updatedAt": iso_ms(notification.updated_at),
        "readAt": iso_ms(notification.read_at) if notification.read_at else None,
    }
