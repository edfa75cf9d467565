"""What travels over a transport between workers: small JSON-able dicts.

A message names the user it is for; the broadcaster of every worker turns it into a
StreamEvent for its local streams of that user.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class NotificationMessage(TypedDict):
    kind: str  # "notification"
    userId: str
    cursor: int | None  # None for ad-hoc broadcasts that were never persisted
    notification: dict[str, Any]


class ReadMessage(TypedDict):
    kind: str  # "read"
    userId: str
    ids: NotRequired[list[str]]  # these were marked read, or
    upTo: NotRequired[str]  # every notification up to this cursor is read (read-all)
    unreadCount: int
    unseenCount: NotRequired[int]  # reading implies seeing: the unseen badge moves too


class RevokedMessage(TypedDict):
    kind: str  # "revoked": end the streams of these sessions, on every worker, now
    userId: str
    sessionIds: list[str]  # session ids (hashes of the cookie tokens), never the tokens


class UserEventMessage(TypedDict):
    kind: str  # "event": a lifecycle event (realtime/events.py USER_EVENT_TYPES) for one user
    userId: str
    type: str
    data: dict[str, Any]


Message = NotificationMessage | ReadMessage | RevokedMessage | UserEventMessage


def notification_message(user_id: str, notification: dict[str, Any], cursor: int | None) -> NotificationMessage:
    return {"kind": "notification", "userId": user_id, "cursor": cursor, "notification": notification}


def read_message(user_id: str, ids: list[str], unread_count: int, unseen_count: int) -> ReadMessage:
    return {"kind": "read", "userId": user_id, "ids": ids, "unreadCount": unread_count, "unseenCount": unseen_count}


def revoked_message(user_id: str, session_ids: list[str]) -> RevokedMessage:
    return {"kind": "revoked", "userId": user_id, "sessionIds": session_ids}


def read_up_to_message(user_id: str, up_to: int, unread_count: int, unseen_count: int) -> ReadMessage:
    return {
        "kind": "read",
        "userId": user_id,
        "upTo": str(up_to),
        "unreadCount": unread_count,
        "unseenCount": unseen_count,
    }


def user_event_message(user_id: str, event_type: str, data: dict[str, Any]) -> UserEventMessage:
    return {"kind": "event", "userId": user_id, "type": event_type, "data": data}
