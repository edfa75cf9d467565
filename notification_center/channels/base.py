"""The channel interface and registry: in-app today, email or web push beside it later."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from notification_center.models import Notification, User
from notification_center.notifications.service import Draft


class ChannelHandler(Protocol):
    name: str

    async def deliver(self, notification: Draft, recipient: User) -> Notification: ...

    async def deliver_many(self, notification: Draft, recipients: Sequence[User]) -> list[Notification]: ...


_registry: dict[str, ChannelHandler] = {}


def register_channel(handler: ChannelHandler) -> None:
    _registry[handler.name] = handler


def get_channel(name: str) -> ChannelHandler:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"no channel handler named {name!r}") from None
