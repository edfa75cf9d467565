"""One notification, one action (read, seen, archive): the one call behind both doors.

`POST /api/notifications/{id}/read|seen|archive` (REST) and the WebSocket's client messages
`{"op": "read"|"seen"|"archive", "id"}` (api/ws_stream.py) both end here, so they change the
same rows, publish the same stream events and give the same answer: the notification as
it is now, or None when it is not the user's (REST: 404); a row whose state refuses the
action (notifications/states.py: expired, say) raises ActionRefused with the table's status
and message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from notification_center.notifications import lifecycle, read_state, states


class ActionRefused(Exception):
    """The table refuses this action in the row's state: answer `refusal` (status, message)."""

    def __init__(self, refusal: states.Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _answer(result: Any) -> dict[str, Any] | None:
    if result.refused is not None:
        raise ActionRefused(result.refused)
    return result.notification


async def _read(user_id: str, notification_id: str) -> dict[str, Any] | None:
    return _answer(await read_state.mark_read(user_id=user_id, notification_id=notification_id))


async def _seen(user_id: str, notification_id: str) -> dict[str, Any] | None:
    return _answer(await lifecycle.mark_seen(user_id=user_id, ids=[notification_id], want_row=True))


def _lifecycle(action: str) -> Callable[[str, str], Awaitable[dict[str, Any] | None]]:
    async def apply(user_id: str, notification_id: str) -> dict[str, Any] | None:
        return _answer(await lifecycle.change(user_id=user_id, action=action, ids=[notification_id], want_row=True))

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
