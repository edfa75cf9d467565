"""The same broadcaster scenarios over the in-memory and the Redis transport.

Redis runs for real (the session's redis-server). Two broadcasters on one Redis stand for
two worker processes; with the in-memory transport both "workers" are one broadcaster,
because that transport only ever serves one process. Every Redis test uses its own key
prefix (and so its own channel), so tests never see each other's messages or presence.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
import redis.asyncio as aioredis

from notification_center.models import Notification
from notification_center.realtime.broadcaster import NotificationBroadcaster
from notification_center.realtime.events import StreamEvent
from notification_center.realtime.redis_transport import RedisTransport
from notification_center.realtime.transport import InMemoryTransport
from tests.support.processes import RedisServer, free_port

FENCE_USER = "fence"


@dataclass(eq=False)
class FakeClient:
    """What the broadcaster needs of a stream, recording what it is given."""

    name: str
    events: list[StreamEvent] = field(default_factory=list)
    closed: bool = False
    resyncs: int = 0

    def enqueue(self, frame: StreamEvent) -> None:
        self.events.append(frame)

    def close(self) -> None:
        self.closed = True

    def resync(self) -> None:
        self.resyncs += 1

    def of_type(self, kind: str) -> list[StreamEvent]:
        return [e for e in self.events if e.type == kind]

    def titles(self) -> list[str]:
        return [e.data["title"] for e in self.of_type("notification") if "title" in e.data]


async def eventually(check: Callable[[], object], within: float = 5.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not met within {within}s")
        await asyncio.sleep(0.02)


def make_notification(user_id: str, seq: int, title: str) -> Notification:
    return Notification(id=f"notif_{secrets.token_hex(6)}", user_id=user_id, seq=seq, title=title, status="sent")


def redis_transport(url: str, prefix: str, **kwargs) -> RedisTransport:
    kwargs.setdefault("backoff_max", 0.5)
    return RedisTransport(url, prefix=prefix, **kwargs)


@dataclass
class Cluster:
    kind: str
    workers: list[NotificationBroadcaster]
    fences: list[FakeClient] = field(default_factory=list)

    async def settle(self, via: NotificationBroadcaster) -> None:
        """Publish a fence after what `via` published and wait until every worker saw it.

        Redis delivers one subscriber's messages in publish order, so when the fence has
        arrived everywhere, everything published before it has arrived too.
        """
        marker = f"fence-{secrets.token_hex(4)}"
        await via.broadcast_to_user(FENCE_USER, {"title": marker})
        await eventually(lambda: all(marker in f.titles() for f in self.fences), what="fence delivered")


@pytest.fixture(params=["memory", "redis"])
async def cluster(request: pytest.FixtureRequest) -> AsyncIterator[Cluster]:
    if request.param == "memory":
        one = NotificationBroadcaster(InMemoryTransport())
        workers = [one, one]  # one process: both "workers" are the same broadcaster
    else:
        url = request.getfixturevalue("redis_server").url
        prefix = f"nctest-{secrets.token_hex(4)}"
        workers = [NotificationBroadcaster(redis_transport(url, prefix)) for _ in range(2)]
    started = []
    for worker in dict.fromkeys(workers):
        await worker.start()
        started.append(worker)
    result = Cluster(request.param, workers)
    for i, worker in enumerate(started):
        fence = FakeClient(f"fence-{i}")
        worker.register_client(FENCE_USER, fence)
        result.fences.append(fence)
    yield result
    for worker in started:
        await worker.stop()


# -- scenarios for both transports ------------------------------------------------------


async def test_transport_health(cluster: Cluster) -> None:
    expected = "disabled" if cluster.kind == "memory" else "ok"
    for worker in cluster.workers:
        assert await worker.transport.health() == expected


async def test_each_client_of_the_user_gets_each_notification_exactly_once(cluster: Cluster) -> None:
    w0, w1 = cluster.workers
    alice = [FakeClient("a0"), FakeClient("a1"), FakeClient("a2")]
    bob = FakeClient("b0")
    w0.register_client("alice", alice[0])
    w1.register_client("alice", alice[1])
    w1.register_client("alice", alice[2])
    w0.register_client("bob", bob)

    first, second = make_notification("alice", 1, "first"), make_notification("alice", 2, "second")
    await w0.broadcast_to_user("alice", first)  # from one worker ...
    await cluster.settle(w0)
    await w1.broadcast_to_user("alice", second)  # ... and from the other
    await cluster.settle(w1)

    for client in alice:
        got = client.of_type("notification")
        assert [e.data["id"] for e in got] == [first.id, second.id], client.name
        assert [e.id for e in got] == ["1", "2"]  # the cursor survives the trip
        assert got[0].data["userId"] == "alice"
        assert got[0].data["title"] == "first"
    assert bob.events == []


async def test_broadcast_to_users_reaches_each_user_once(cluster: Cluster) -> None:
    w0, w1 = cluster.workers
    alice, bob, carol = FakeClient("a"), FakeClient("b"), FakeClient("c")
    w0.register_client("alice", alice)
    w1.register_client("bob", bob)
    w1.register_client("carol", carol)

    await w1.broadcast_to_users(["alice", "bob", "alice"], {"id": "notif_x", "title": "hello"})
    await cluster.settle(w1)

    for client in (alice, bob):
        (event,) = client.events
        assert event.type == "notification"
        assert event.data == {"id": "notif_x", "title": "hello"}
        assert event.id is None  # never persisted: no cursor
    assert carol.events == []


async def test_read_state_reaches_every_tab_of_the_user(cluster: Cluster) -> None:
    w0, w1 = cluster.workers
    tabs = [FakeClient("t0"), FakeClient("t1")]
    other = FakeClient("o")
    w0.register_client("alice", tabs[0])
    w1.register_client("alice", tabs[1])
    w1.register_client("bob", other)

    await w0.publish_read_state("alice", ["notif_1", "notif_2"], 3, 2)
    await cluster.settle(w0)

    for tab in tabs:
        (event,) = tab.events
        assert event.type == "read"
        assert event.data == {"ids": ["notif_1", "notif_2"], "unreadCount": 3, "unseenCount": 2}
    assert other.events == []


async def test_cleanup_stops_delivery_and_updates_local_counters(cluster: Cluster) -> None:
    w0 = cluster.workers[0]
    base_total = w0.get_total_client_count()  # the fence client
    a1, a2, b1 = FakeClient("a1"), FakeClient("a2"), FakeClient("b1")
    cleanup_a1 = w0.register_client("alice", a1)
    cleanup_a2 = w0.register_client("alice", a2)
    cleanup_b1 = w0.register_client("bob", b1)
    assert w0.get_total_client_count() == base_total + 3
    assert w0.get_user_client_count("alice") == 2
    assert {"alice", "bob"} <= set(w0.get_connected_user_ids())

    cleanup_a1()
    cleanup_a1()  # idempotent
    assert w0.get_user_client_count("alice") == 1
    await w0.broadcast_to_user("alice", {"title": "after cleanup"})
    await cluster.settle(w0)
    assert a1.events == []
    assert a2.titles() == ["after cleanup"]

    cleanup_a2()
    cleanup_b1()
    assert w0.get_total_client_count() == base_total
    assert w0.get_user_client_count("alice") == 0
    assert "alice" not in w0.get_connected_user_ids()


async def test_connection_limit_holds_across_workers(cluster: Cluster) -> None:
    w0, w1 = cluster.workers
    limit = 3
    cleanups = [
        await w0.connect("alice", FakeClient("a0"), "a0", limit),
        await w1.connect("alice", FakeClient("a1"), "a1", limit),
        await w0.connect("alice", FakeClient("a2"), "a2", limit),
    ]
    assert all(c is not None for c in cleanups)
    assert await w1.connect("alice", FakeClient("a3"), "a3", limit) is None
    assert await w0.connect("alice", FakeClient("a4"), "a4", limit) is None
    # Another user has a limit of their own.
    bob = await w1.connect("bob", FakeClient("b0"), "b0", limit)
    assert bob is not None

    await cleanups[1]()  # a slot frees up, on the other worker too
    await cleanups[1]()  # idempotent: frees one slot, not two
    again = await w0.connect("alice", FakeClient("a5"), "a5", limit)
    assert again is not None
    assert await w1.connect("alice", FakeClient("a6"), "a6", limit) is None

    for cleanup in (cleanups[0], cleanups[2], again, bob):
        await cleanup()
    assert (await w0.cluster_stats()).total_clients == 0


async def test_stats_count_clients_of_every_worker(cluster: Cluster) -> None:
    w0, w1 = cluster.workers
    cleanups = [
        await w0.connect("alice", FakeClient("a0"), "a0", 10),
        await w0.connect("alice", FakeClient("a1"), "a1", 10),
        await w1.connect("alice", FakeClient("a2"), "a2", 10),
        await w1.connect("bob", FakeClient("b0"), "b0", 10),
    ]
    for worker in (w0, w1):
        stats = await worker.cluster_stats()
        assert stats.total_clients == 4
        assert stats.user_client_counts == {"alice": 3, "bob": 1}
        assert stats.to_wire() == {
            "totalClients": 4,
            "connectedUserIds": ["alice", "bob"],
            "userClientCounts": {"alice": 3, "bob": 1},
        }

    for cleanup in cleanups:
        await cleanup()
    empty = await w1.cluster_stats()
    assert empty.to_wire() == {"totalClients": 0, "connectedUserIds": [], "userClientCounts": {}}


# -- Redis only ----------------------------------------------------------------------


async def test_one_subscription_per_worker_whatever_the_client_count(redis_server: RedisServer) -> None:
    prefix = f"nctest-{secrets.token_hex(4)}"
    workers = [NotificationBroadcaster(redis_transport(redis_server.url, prefix)) for _ in range(2)]
    for worker in workers:
        await worker.start()
    try:
        for i in range(20):
            workers[i % 2].register_client(f"user{i % 3}", FakeClient(str(i)))
        async with aioredis.from_url(redis_server.url) as r:
            ((_, subscribers),) = await r.pubsub_numsub(f"{prefix}:events")
        assert subscribers == 2
    finally:
        for worker in workers:
            await worker.stop()


async def test_malformed_messages_are_ignored(redis_server: RedisServer) -> None:
    prefix = f"nctest-{secrets.token_hex(4)}"
    worker = NotificationBroadcaster(redis_transport(redis_server.url, prefix))
    await worker.start()
    try:
        client = FakeClient("a")
        worker.register_client("alice", client)
        async with aioredis.from_url(redis_server.url) as r:
            for junk in (b"not json", b"[1, 2]", b'{"kind": "notification"}', b'{"kind": "?", "userId": "alice"}'):
                await r.publish(f"{prefix}:events", junk)
        await worker.broadcast_to_user("alice", {"title": "still alive"})
        await eventually(lambda: client.titles() == ["still alive"], what="delivery after junk")
        assert len(client.events) == 1
        assert await worker.transport.health() == "ok"
    finally:
        await worker.stop()


async def test_entries_of_a_dead_worker_expire(redis_server: RedisServer) -> None:
    prefix = f"nctest-{secrets.token_hex(4)}"
    ttl = 1.0
    alive = NotificationBroadcaster(redis_transport(redis_server.url, prefix, presence_ttl=ttl))
    doomed = NotificationBroadcaster(redis_transport(redis_server.url, prefix, presence_ttl=ttl))
    await alive.start()
    await doomed.start()
    try:
        assert await alive.connect("alice", FakeClient("a0"), "a0", 3)
        assert await doomed.connect("alice", FakeClient("a1"), "a1", 3)
        assert await doomed.connect("alice", FakeClient("a2"), "a2", 3)
        assert await doomed.connect("bob", FakeClient("b0"), "b0", 3)
        assert (await alive.cluster_stats()).total_clients == 4
        assert await alive.connect("alice", FakeClient("a3"), "a3", 3) is None

        await doomed.transport.stop(release=False)  # dies: no release, no more heartbeats
        assert (await alive.cluster_stats()).total_clients == 4  # not yet expired

        await asyncio.sleep(ttl * 2.5)  # the live worker heartbeats its own entry meanwhile
        stats = await alive.cluster_stats()
        assert stats.user_client_counts == {"alice": 1}
        assert stats.total_clients == 1
        # The dead worker's slots are free again for the per-user limit.
        assert await alive.connect("alice", FakeClient("a4"), "a4", 3) is not None
        async with aioredis.from_url(redis_server.url) as r:
            assert await r.smembers(f"{prefix}:{{presence}}:users") == {b"alice"}
    finally:
        await alive.stop()
        await doomed.stop()


async def test_graceful_stop_removes_the_workers_entries_at_once(redis_server: RedisServer) -> None:
    prefix = f"nctest-{secrets.token_hex(4)}"
    w0 = NotificationBroadcaster(redis_transport(redis_server.url, prefix))
    w1 = NotificationBroadcaster(redis_transport(redis_server.url, prefix))
    await w0.start()
    await w1.start()
    try:
        assert await w0.connect("alice", FakeClient("a0"), "a0", 5)
        assert await w1.connect("alice", FakeClient("a1"), "a1", 5)
        assert await w1.connect("bob", FakeClient("b1"), "b1", 5)
        await w1.stop()
        assert (await w0.cluster_stats()).user_client_counts == {"alice": 1}
    finally:
        await w0.stop()
        await w1.stop()


@pytest.fixture
def own_redis() -> RedisServer:
    """A private redis-server that a test may stop and start again on the same port."""
    server = RedisServer(free_port()).start()
    yield server
    server.stop()


async def test_redis_restart_is_survived(own_redis: RedisServer) -> None:
    prefix = f"nctest-{secrets.token_hex(4)}"
    workers = [
        NotificationBroadcaster(redis_transport(own_redis.url, prefix, presence_ttl=3.0, heartbeat_interval=0.3))
        for _ in range(2)
    ]
    w0, w1 = workers
    for worker in workers:
        await worker.start()
    try:
        a0, a1 = FakeClient("a0"), FakeClient("a1")
        assert await w0.connect("alice", a0, "a0", 5)
        assert await w1.connect("alice", a1, "a1", 5)
        await w0.broadcast_to_user("alice", make_notification("alice", 1, "before"))
        await eventually(lambda: a0.titles() == a1.titles() == ["before"], what="delivery before the restart")
        resyncs_before = (a0.resyncs, a1.resyncs)

        own_redis.stop()
        await eventually_health(workers, "error")

        # Down: publishing does not raise and still reaches this worker's own streams;
        # new streams are admitted on this worker's own count; stats degrade to local.
        await w0.broadcast_to_user("alice", make_notification("alice", 2, "during"))
        assert a0.titles() == ["before", "during"]
        assert a1.titles() == ["before"]  # will catch up from the database (resync)
        assert await w1.connect("alice", FakeClient("a2"), "a2", 5) is not None
        assert (await w1.cluster_stats()).user_client_counts == {"alice": 2}

        own_redis.start()  # same port, empty data
        await eventually_health(workers, "ok", within=10)
        # Every local stream was told to catch up from the database ...
        assert a0.resyncs > resyncs_before[0]
        assert a1.resyncs > resyncs_before[1]
        # ... and the heartbeats re-created the presence the restart wiped.
        deadline = asyncio.get_running_loop().time() + 5
        while (await w0.cluster_stats()).user_client_counts != {"alice": 3}:
            assert asyncio.get_running_loop().time() < deadline, "presence not restored after the restart"
            await asyncio.sleep(0.05)

        await w1.broadcast_to_user("alice", make_notification("alice", 3, "after"))
        await eventually(lambda: "after" in a0.titles() and "after" in a1.titles(), what="delivery after restart")
        await asyncio.sleep(0.2)
        assert a0.titles() == ["before", "during", "after"]
        assert a1.titles() == ["before", "after"]
    finally:
        for worker in workers:
            await worker.stop()


async def test_presence_is_back_within_a_second_of_redis_whatever_the_subscription_backoff(
    own_redis: RedisServer,
) -> None:
    """A restarted Redis is empty. The entries used to come back only with the resubscription
    (after the listener's backoff, up to 5 s) or the next heartbeat (5 s): meanwhile the stats
    undercounted and the per-user limit counted only what was back (bench/redis_outage.py)."""
    prefix = f"nctest-{secrets.token_hex(4)}"
    # A listener that waits 15-30 s before retrying, and heartbeats 10 s apart: neither may
    # be what restores presence within the few seconds this test allows.
    transport = redis_transport(own_redis.url, prefix, presence_ttl=30.0, backoff_initial=30.0, backoff_max=30.0)
    worker = NotificationBroadcaster(transport)
    await worker.start()
    try:
        assert await worker.connect("alice", FakeClient("a0"), "a0", 5)
        assert (await worker.cluster_stats()).user_client_counts == {"alice": 1}
        own_redis.stop()
        await eventually_health([worker], "error")
        assert (await worker.cluster_stats()).user_client_counts == {"alice": 1}  # degraded: local view
        own_redis.start()  # same port, empty data
        deadline = asyncio.get_running_loop().time() + 3
        while (await worker.cluster_stats()).user_client_counts != {"alice": 1}:
            assert asyncio.get_running_loop().time() < deadline, "presence not back within 3 s of Redis"
            await asyncio.sleep(0.1)
        assert await transport.health() == "error"  # the subscription itself is still backing off
        # And the limit counts the re-created entry cluster-wide again.
        other = NotificationBroadcaster(redis_transport(own_redis.url, prefix))
        await other.start()
        try:
            assert await other.connect("alice", FakeClient("b0"), "b0", 2)
            assert await other.connect("alice", FakeClient("b1"), "b1", 2) is None
        finally:
            await other.stop()
    finally:
        await worker.stop()


async def eventually_health(workers: list[NotificationBroadcaster], expected: str, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        states = [await w.transport.health() for w in workers]
        if all(s == expected for s in states):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"health {states}, expected {expected!r}")
        await asyncio.sleep(0.05)
