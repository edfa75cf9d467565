"""The broadcaster with fake clients, in the spirit of the original module's Jest test."""

from unittest.mock import MagicMock

import pytest

from notification_center.realtime.broadcaster import (
    NotificationBroadcaster,
    get_notification_broadcaster,
    reset_notification_broadcaster,
)

NOTIFICATION = {"id": "notif_123", "userId": "user123", "title": "New Message"}


@pytest.fixture(autouse=True)
def _fresh_singleton():
    reset_notification_broadcaster()
    yield
    reset_notification_broadcaster()


def fake_client() -> MagicMock:
    return MagicMock(spec=["enqueue", "close"])


def test_singleton_is_shared_until_reset():
    first = get_notification_broadcaster()
    assert get_notification_broadcaster() is first
    reset_notification_broadcaster()
    assert get_notification_broadcaster() is not first


async def test_broadcast_reaches_registered_client():
    broadcaster = get_notification_broadcaster()
    client = fake_client()
    cleanup = broadcaster.register_client("user123", client)

    await broadcaster.broadcast_to_user("user123", NOTIFICATION)

    client.enqueue.assert_called_once()
    (event,) = client.enqueue.call_args.args
    assert event.type == "notification"
    assert event.data == NOTIFICATION
    cleanup()


async def test_other_users_receive_nothing():
    broadcaster = NotificationBroadcaster()
    alice, bob = fake_client(), fake_client()
    broadcaster.register_client("alice", alice)
    broadcaster.register_client("bob", bob)

    await broadcaster.broadcast_to_user("alice", NOTIFICATION)

    alice.enqueue.assert_called_once()
    bob.enqueue.assert_not_called()


async def test_every_client_of_a_user_receives_and_users_are_deduplicated():
    broadcaster = NotificationBroadcaster()
    tabs = [fake_client() for _ in range(3)]
    for tab in tabs:
        broadcaster.register_client("alice", tab)
    carol = fake_client()
    broadcaster.register_client("carol", carol)

    await broadcaster.broadcast_to_users(["alice", "carol", "alice"], NOTIFICATION)

    for client in [*tabs, carol]:
        client.enqueue.assert_called_once()


async def test_cleanup_removes_client_and_is_idempotent():
    broadcaster = NotificationBroadcaster()
    client = fake_client()
    cleanup = broadcaster.register_client("user123", client)
    cleanup()
    cleanup()

    await broadcaster.broadcast_to_user("user123", NOTIFICATION)

    client.enqueue.assert_not_called()
    assert broadcaster.get_total_client_count() == 0
    assert broadcaster.get_connected_user_ids() == []


def test_counters():
    broadcaster = NotificationBroadcaster()
    cleanups = [broadcaster.register_client("a", fake_client()) for _ in range(2)]
    cleanups.append(broadcaster.register_client("b", fake_client()))

    assert broadcaster.get_total_client_count() == 3
    assert broadcaster.get_user_client_count("a") == 2
    assert broadcaster.get_user_client_count("nobody") == 0
    assert sorted(broadcaster.get_connected_user_ids()) == ["a", "b"]

    for cleanup in cleanups:
        cleanup()
    assert broadcaster.get_total_client_count() == 0


async def test_read_state_is_published_as_read_event():
    broadcaster = NotificationBroadcaster()
    client = fake_client()
    broadcaster.register_client("alice", client)

    await broadcaster.publish_read_state("alice", ["notif_1"], 4, 3)

    (event,) = client.enqueue.call_args.args
    assert event.type == "read"
    assert event.data == {"ids": ["notif_1"], "unreadCount": 4, "unseenCount": 3}
    assert event.id is None


async def test_read_all_is_published_as_a_bound_not_a_list_of_ids():
    broadcaster = NotificationBroadcaster()
    client = fake_client()
    broadcaster.register_client("alice", client)

    await broadcaster.publish_read_up_to("alice", 30000, 2, 1)

    (event,) = client.enqueue.call_args.args
    assert (event.type, event.data, event.id) == ("read", {"upTo": "30000", "unreadCount": 2, "unseenCount": 1}, None)


async def test_user_events_reach_every_stream_of_that_user_only():
    broadcaster = NotificationBroadcaster()
    mine, other = fake_client(), fake_client()
    broadcaster.register_client("alice", mine)
    broadcaster.register_client("bob", other)

    await broadcaster.publish_user_event("alice", "seen", {"ids": ["notif_1"], "unseenCount": 0})
    await broadcaster.publish_user_events([("alice", "expired", {"ids": ["notif_2"]})])
    await broadcaster.publish_user_event("alice", "no-such-type", {})  # unknown kinds are dropped

    sent = [call.args[0] for call in mine.enqueue.call_args_list]
    assert [(e.type, e.data, e.id) for e in sent] == [
        ("seen", {"ids": ["notif_1"], "unseenCount": 0}, None),
        ("expired", {"ids": ["notif_2"]}, None),
    ]
    other.enqueue.assert_not_called()


async def test_connect_enforces_the_per_user_limit_and_frees_slots():
    broadcaster = NotificationBroadcaster()
    first = await broadcaster.connect("alice", fake_client(), "c1", limit=1)
    assert first is not None
    assert await broadcaster.connect("alice", fake_client(), "c2", limit=1) is None
    assert await broadcaster.connect("bob", fake_client(), "c3", limit=1) is not None

    await first()
    await first()  # idempotent
    assert await broadcaster.connect("alice", fake_client(), "c4", limit=1) is not None
    stats = (await broadcaster.cluster_stats()).to_wire()
    assert stats["totalClients"] == 2


async def test_stop_closes_every_client():
    broadcaster = NotificationBroadcaster()
    clients = [fake_client() for _ in range(2)]
    for i, client in enumerate(clients):
        broadcaster.register_client(f"user{i}", client)

    await broadcaster.stop()

    for client in clients:
        client.close.assert_called_once()


async def test_revoked_message_closes_exactly_the_streams_of_those_sessions():
    broadcaster = NotificationBroadcaster()
    clients = {}
    for name, user, key in (("revoked", "alice", "s-a"), ("kept", "alice", "s-b"), ("other", "bob", "s-a")):
        client = MagicMock(spec=["enqueue", "close", "session_key"])
        client.session_key = key
        broadcaster.register_client(user, client)
        clients[name] = client

    await broadcaster.publish_revoked("alice", ["s-a", "unknown"])
    await broadcaster.publish_revoked("alice", [])  # nothing to announce

    clients["revoked"].close.assert_called_once()
    clients["kept"].close.assert_not_called()
    clients["other"].close.assert_not_called()  # the same id under another user is not it
    clients["revoked"].enqueue.assert_not_called()  # the message is not a stream event
