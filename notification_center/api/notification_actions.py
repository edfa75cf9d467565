"""One notification, one action (read, seen, archive): the one call behind both doors.

`POST /api/notifications/{id}/read|seen|archive` (REST) and the WebSocket's client messages
`{"op": "read"|"seen"|"archive", "id"}` (api/ws_stream.py) both end here, so they change the
same rows, publish the same stream events and give the same answer: the notification as
it is now, or None when it is not the user's (REST: 404).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from notification_center.notifications import lifecycle, read_state


async def _read(user_id: str, notification_id: str) -> dict[str, Any] | None:
    return (await read_state.mark_read(user_id=user_id, notification_id=notification_id)).notification


async def _seen(user_id: str, notification_id: str) -> dict[str, Any] | None:
    return (await lifecycle.mark_seen(user_id=user_id, ids=[notification_id], want_row=True)).notification


def _lifecycle(action: str) -> Callable[[str, str], Awaitable[dict[str, Any] | None]]:
    async def apply(user_id: str, notification_id: str) -> dict[str, Any] | None:
        change = await lifecycle.change(user_id=user_id, action=action, ids=[notification_id], want_row=True)
        return change.notification

    return apply


ACTIONS: dict[str, Callable[[str, str], Awaitable[dict[str, Any] | None]]] = {
    "read": _read,
    "seen": _seen,
    "archive": _lifecycle("archive"),
    "unarchive": _lifecycle("unarchive"),
}


async def apply(action: str, *, user_id: str, notification_id: str) -> dict[str, Any] | None:
    """The notification after `action`, or None when the user has no such notification."""
    return await ACTIONS[action](user_id, notification_id)
