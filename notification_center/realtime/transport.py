"""The transport: how a message published on one worker reaches the broadcasters of all.

Also the cluster-wide view of connections (per-user limit, stats), because that view must
live wherever the messages go. `InMemoryTransport` serves one process; the Redis
transport (realtime/redis_transport.py) serves many workers and nodes. The broadcaster,
the stream route and the channel handlers only ever see this interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from notification_center.realtime.messages import Message

OnMessage = Callable[[Message], None]
OnResync = Callable[[], None]


@dataclass
class ConnectionStats:
    total_clients: int = 0
    user_client_counts: dict[str, int] = field(default_factory=dict)

    def to_wire(self) -> dict:
        users = sorted(uid for uid, n in self.user_client_counts.items() if n > 0)
        return {
            "totalClients": self.total_clients,
            "connectedUserIds": users,
            "userClientCounts": {uid: self.user_client_counts[uid] for uid in users},
        }


class Transport(ABC):
    """Publishes messages to every broadcaster and accounts for connections cluster-wide."""

    _on_message: OnMessage | None = None
    _on_resync: OnResync | None = None

    def bind(self, on_message: OnMessage, on_resync: OnResync) -> None:
        """Called once by the broadcaster that owns this transport."""
        self._on_message = on_message
        self._on_resync = on_resync

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Begin receiving (e.g. subscribe); idempotent."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Stop receiving and release resources."""

    @abstractmethod
    async def publish(self, message: Message) -> None: ...

    async def publish_many(self, messages: Sequence[Message]) -> None:
        """Publish several messages; transports with a network hop batch them."""
        for message in messages:
            await self.publish(message)

    @abstractmethod
    async def try_acquire(self, user_id: str, client_id: str, limit: int) -> bool:
        """Count a new connection unless the user already holds `limit` of them."""

    @abstractmethod
    async def release(self, user_id: str, client_id: str) -> None: ...

    @abstractmethod
    async def stats(self) -> ConnectionStats: ...

    @abstractmethod
    async def health(self) -> str:
        """ "ok", "error", or "disabled" (no shared bus configured)."""


class InMemoryTransport(Transport):
    """Delivers in-process: publishing calls the broadcaster directly."""

    def __init__(self) -> None:
        self._connections: dict[str, set[str]] = {}

    async def publish(self, message: Message) -> None:
        if self._on_message is not None:
            self._on_message(message)

    async def try_acquire(self, user_id: str, client_id: str, limit: int) -> bool:
        held = self._connections.setdefault(user_id, set())
        if len(held) >= limit:
            return False
        held.add(client_id)
        return True

    async def release(self, user_id: str, client_id: str) -> None:
        held = self._connections.get(user_id)
        if held is not None:
            held.discard(client_id)
            if not held:
                del self._connections[user_id]

    async def stats(self) -> ConnectionStats:
        counts = {uid: len(ids) for uid, ids in self._connections.items()}
        return ConnectionStats(total_clients=sum(counts.values()), user_client_counts=counts)

    async def health(self) -> str:
        return "disabled"
