"""The notification broadcaster: who is connected in this process, and fan-out to them.

The Python twin of the original `NotificationBroadcaster`: a process-wide singleton with a
map of user id -> connected clients. Publishing goes through a transport (in-memory, or
Redis when `REFLEX_REDIS_URL` is set) so that every worker's broadcaster receives every
message and hands it to its own local clients.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from notification_center import metrics
from notification_center.models import Notification
from notification_center.notifications.serialize import to_wire
from notification_center.realtime import events
from notification_center.realtime.client import StreamClient
from notification_center.realtime.messages import (
    Message,
    notification_message,
    read_message,
    read_up_to_message,
    revoked_message,
    user_event_message,
)
from notification_center.realtime.transport import ConnectionStats, InMemoryTransport, Transport

logger = logging.getLogger(__name__)

# Users whose newest dispatched cursor is remembered. A stream needs it only for the
# moment between reading its cursor and registering, so recent users are plenty.
DISPATCHED_MEMORY = 65_536


class Client(Protocol):
    """What the broadcaster needs of a connection (the original's stream controller)."""

    def enqueue(self, frame: events.StreamEvent) -> None: ...

    def close(self) -> None: ...


class NotificationBroadcaster:
    def __init__(self, transport: Transport | None = None) -> None:
        self._clients: dict[str, set[Client]] = {}
        # The newest cursor dispatched per user, connected or not (bounded, oldest out):
        # a stream that read the user's cursor just before registering asks this whether
        # a notification slipped between the two (see `dispatched_cursor`).
        self._dispatched: OrderedDict[str, int] = OrderedDict()
        self._closing = False
        self.transport = transport or InMemoryTransport()
        self.transport.bind(self._dispatch, self._resync_all)

    # -- connections ------------------------------------------------------------------
    def register_client(self, user_id: str, client: Client) -> Callable[[], None]:
        """Add a local client; returns an idempotent cleanup that removes it."""
        if self._closing:  # raced with shutdown: it ends at once and resumes elsewhere
            _close(client, "shutdown")
        self._clients.setdefault(user_id, set()).add(client)
        metrics.CONNECTIONS.inc()
        done = False

        def cleanup() -> None:
            nonlocal done
            if done:
                return
            done = True
            clients = self._clients.get(user_id)
            if clients is not None:
                clients.discard(client)
                if not clients:
                    del self._clients[user_id]
            metrics.CONNECTIONS.dec()

        return cleanup

    async def connect(
        self, user_id: str, client: Client, client_id: str, limit: int
    ) -> Callable[[], Awaitable[None]] | None:
        """Register a stream if the user is under `limit` cluster-wide, else None.

        The returned async cleanup unregisters the client and frees its slot.
        """
        if not await self.transport.try_acquire(user_id, client_id, limit):
            return None
        unregister = self.register_client(user_id, client)
        released = False

        async def cleanup() -> None:
            nonlocal released
            unregister()
            if not released:
                released = True
                await self.transport.release(user_id, client_id)

        return cleanup

    def local_clients(self) -> list[Client]:
        """Every stream connected to this process."""
        return [client for clients in self._clients.values() for client in clients]

    def get_total_client_count(self) -> int:
        return sum(len(c) for c in self._clients.values())

    def get_user_client_count(self, user_id: str) -> int:
        return len(self._clients.get(user_id, ()))

    def get_connected_user_ids(self) -> list[str]:
        return list(self._clients)

    async def cluster_stats(self) -> ConnectionStats:
        """Connections on every worker and node sharing the transport."""
        return await self.transport.stats()

    # -- publishing -------------------------------------------------------------------
    async def broadcast_to_user(self, user_id: str, notification: Notification | dict[str, Any]) -> None:
        """Send one notification to every stream of `user_id`, on every worker.

        A persisted `Notification` carries its cursor, so streams can de-duplicate and
        fill gaps from the database; a plain dict is delivered as-is, without a cursor.
        """
        if isinstance(notification, Notification):
            message = notification_message(user_id, to_wire(notification), notification.seq)
        else:
            message = notification_message(user_id, dict(notification), None)
        await self.transport.publish(message)

    async def broadcast_notifications(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Publish persisted notifications (row dicts, one per recipient of a send) at once."""
        await self.transport.publish_many([notification_message(r["user_id"], to_wire(r), r["seq"]) for r in rows])

    async def broadcast_to_users(self, user_ids: Iterable[str], notification: Notification | dict[str, Any]) -> None:
        for user_id in dict.fromkeys(user_ids):
            await self.broadcast_to_user(user_id, notification)

    async def publish_read_state(self, user_id: str, ids: list[str], unread_count: int, unseen_count: int) -> None:
        """Tell every tab of the user that these notifications are now read."""
        await self.transport.publish(read_message(user_id, ids, unread_count, unseen_count))

    async def publish_revoked(self, user_id: str, session_ids: list[str]) -> None:
        """Tell every worker that these sessions are revoked: their streams end at once."""
        if session_ids:
            await self.transport.publish(revoked_message(user_id, session_ids))

    async def publish_read_up_to(self, user_id: str, up_to: int, unread_count: int, unseen_count: int) -> None:
        """Tell every tab of the user that everything up to cursor `up_to` is now read."""
        await self.transport.publish(read_up_to_message(user_id, up_to, unread_count, unseen_count))

    async def publish_user_event(self, user_id: str, event_type: str, data: dict[str, Any]) -> None:
        """Send a lifecycle event (seen, archived, ...) to every tab of the user, on every worker."""
        await self.transport.publish(user_event_message(user_id, event_type, data))

    async def publish_user_events(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Many (user id, event type, data) at once: one pipelined publish (scheduler batches)."""
        if items:
            await self.transport.publish_many([user_event_message(u, t, d) for u, t, d in items])

    def dispatched_cursor(self, user_id: str) -> int:
        """The newest notification cursor this process has dispatched for `user_id` lately."""
        return self._dispatched.get(user_id, 0)

    # -- receiving from the transport -------------------------------------------------
    def _remember_cursor(self, user_id: str, cursor: int) -> None:
        if cursor > self._dispatched.get(user_id, 0):
            self._dispatched[user_id] = cursor
            self._dispatched.move_to_end(user_id)
            if len(self._dispatched) > DISPATCHED_MEMORY:
                self._dispatched.popitem(last=False)

    def _close_revoked(self, user_id: str, session_ids: object) -> None:
        """End this process's streams of the revoked sessions (matched by `session_key`)."""
        revoked = set(session_ids) if isinstance(session_ids, list) else set()
        for client in list(self._clients.get(user_id, ())):
            if getattr(client, "session_key", None) in revoked:
                _close(client, "revoked")

    def _dispatch(self, message: Message) -> None:
        if message["kind"] == "revoked":
            self._close_revoked(message["userId"], message.get("sessionIds"))
            return
        if message["kind"] == "notification" and message["cursor"] is not None:  # type: ignore[typeddict-item]
            self._remember_cursor(message["userId"], message["cursor"])  # type: ignore[typeddict-item]
        clients = self._clients.get(message["userId"])
        if not clients:
            return
        if message["kind"] == "notification":
            cursor = message["cursor"]  # type: ignore[typeddict-item]
            event = events.notification_event(
                message["notification"],  # type: ignore[typeddict-item]
                None if cursor is None else str(cursor),
            )
        elif message["kind"] == "read" and "upTo" in message:
            event = events.read_up_to_event(message["upTo"], message["unreadCount"], message.get("unseenCount"))  # type: ignore[typeddict-item]
        elif message["kind"] == "read":
            event = events.read_event(message.get("ids", []), message["unreadCount"], message.get("unseenCount"))  # type: ignore[typeddict-item]
        elif message["kind"] == "event" and message.get("type") in events.USER_EVENT_TYPES:
            event = events.user_event(message["type"], message.get("data") or {})  # type: ignore[typeddict-item]
        else:
            logger.warning("ignoring unknown message kind %r", message["kind"])
            return
        for client in list(clients):
            client.enqueue(event)

    def _resync_all(self) -> None:
        """The transport may have dropped messages: every stream catches up from the DB."""
        for clients in list(self._clients.values()):
            for client in list(clients):
                resync = getattr(client, "resync", None)
                if resync is not None:
                    resync()
                else:  # a client that cannot catch up resumes by reconnecting
                    client.close()

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        await self.transport.start()

    @property
    def closing(self) -> bool:
        """Shutting down: no new stream should start here."""
        return self._closing

    def close_all_clients(self) -> None:
        """End every local stream and refuse new ones; browsers resume (elsewhere) with
        Last-Event-ID. Refusing matters: the server keeps accepting while it drains, and a
        stream that reconnected in that window would otherwise hold the shutdown forever."""
        self._closing = True
        for clients in list(self._clients.values()):
            for client in list(clients):
                _close(client, "shutdown")

    async def stop(self) -> None:
        """Server shutdown: end every stream and stop the transport."""
        self.close_all_clients()
        await self.transport.stop()


def _close(client: Client, reason: str) -> None:
    """Close with a reason where the client keeps one (a stream's writer reports it: the
    WebSocket's close code), plainly otherwise."""
    if isinstance(client, StreamClient):
        client.close(reason)
    else:
        client.close()


_broadcaster: NotificationBroadcaster | None = None


def _transport_from_settings() -> Transport:
    from notification_center.settings import get_settings

    settings = get_settings()
    if settings.redis_url:
        from notification_center.realtime.redis_transport import RedisTransport

        return RedisTransport(settings.redis_url)
    return InMemoryTransport()


def get_notification_broadcaster() -> NotificationBroadcaster:
    """The process-wide broadcaster; its transport is chosen by `REFLEX_REDIS_URL`."""
    global _broadcaster
    if _broadcaster is None:
        _broadcaster = NotificationBroadcaster(_transport_from_settings())
    return _broadcaster


def reset_notification_broadcaster() -> None:
    """Forget the singleton (tests). Does not close clients; call `stop()` for that."""
    global _broadcaster
    _broadcaster = None
