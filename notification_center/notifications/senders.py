"""Who sent a notification: an operator (user), an API key, or the system (Python code).

A small value passed into `sending.send(...)` and `InAppChannelHandler.deliver(...)`, so
the sent history can name the sender without the sending code knowing how the caller
authenticated (a session cookie, a Bearer key, nothing at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SenderKind = Literal["user", "key", "system"]
KINDS: tuple[SenderKind, ...] = ("user", "key", "system")


@dataclass(frozen=True)
class Sender:
    kind: SenderKind
    id: str | None  # the user's or key's id; None for the system
    label: str  # what the history shows: the username, the key's name, "system"

    @classmethod
    def user(cls, user_id: str, username: str) -> Sender:
        return cls("user", user_id, username)

    @classmethod
    def key(cls, key_id: str, name: str) -> Sender:
        return cls("key", key_id, name)


SYSTEM = Sender("system", None, "system")
