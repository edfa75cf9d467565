"""The channel interface and registry: what `channels.pipeline` loops over for every send.

A channel has a `name`, a `persist(...)` that writes what it needs inside the send's
transaction, and a `publish(...)` that runs after that transaction committed. In-app comes
first and makes the notifications (its rows are the send's answer); a channel that talks
to the outside world (push, email) only writes delivery rows in `persist`
(models.Delivery) and leaves the talking to the scheduler's drain
(scheduling/deliveries.py), through `deliver(...)`. A new channel is one module in this
shape with a `get_<name>_channel = lazy_channel(...)` getter, listed in
`channels.pipeline.active_channels`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from notification_center.notifications.service import Draft


class Channel(Protocol):
    name: str

    def persist(
        self, *, session: Session, draft: Draft, user_ids: Sequence[str], notifications: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Write this channel's rows in the send's transaction (sync, in a worker thread).
        `notifications` are the in-app rows written before (empty for in-app itself)."""
        ...

    async def publish(self, notifications: Sequence[dict[str, Any]]) -> None:
        """After the commit; never raises."""
        ...


@dataclass(frozen=True)
class Target:
    """One address of a delivery on an outside channel (a push subscription, a mailbox)."""

    id: str
    info: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What one attempt at one target gave. `gone`: the target no longer exists (404/410
    from a push service) and is removed; `retry`: a transient failure (429/5xx, network),
    worth another attempt, not before `retry_after` seconds when the service said so."""

    ok: bool
    error: str | None = None
    gone: bool = False
    retry: bool = False
    retry_after: float | None = None


class OutboundChannel(Channel, Protocol):
    """A channel whose delivery rows the scheduler drains."""

    def targets(self, *, session: Session, user_ids: Sequence[str]) -> dict[str, list[Target]]:
        """Each user's current targets (sync, in the drain's transaction)."""
        ...

    def forget(self, *, session: Session, target_ids: Sequence[str]) -> None:
        """Remove targets that answered `gone`."""
        ...

    async def deliver(self, notification: dict[str, Any], target: Target) -> Outcome:
        """One attempt at one target; never raises."""
        ...


_registry: dict[str, Channel] = {}


def register_channel(handler: Channel) -> None:
    _registry[handler.name] = handler


def get_channel(name: str) -> Channel:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"no channel handler named {name!r}") from None


C = TypeVar("C", bound=Channel)


def lazy_channel(factory: Callable[[], C]) -> Callable[[], C]:
    """A module's `get_<name>_channel()`: makes the channel on first use (not at import, so
    settings are read when the app starts) and registers it, once."""
    made: list[C] = []

    def get() -> C:
        if not made:
            made.append(factory())
            register_channel(made[0])
        return made[0]

    return get


def registered_channels() -> list[Channel]:
    """In registration order (in-app registers first: see channels/pipeline.py)."""
    return list(_registry.values())
