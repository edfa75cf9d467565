"""Scale-out end to end: the app as the run command starts it, with Redis (several workers).

One app ("node 1") serves the first tests; the last test starts a second node on another
port sharing the same Redis and the same PostgreSQL database. Redis here is private to
this module, because the fault test stops and restarts it. Streams are real HTTP
connections, one TCP connection each, that resume with Last-Event-ID like a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from notification_center.realtime.redis_transport import RedisTransport
from tests.support.processes import AppServer, PostgresServer, RedisServer, free_port
from tests.support.resuming_sse import ResumingStream
from tests.support.ws import Closed, WebSocket

pytestmark = pytest.mark.slow

PING_SECONDS = 1
STREAM_LIMIT = 40


# -- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scale_redis() -> Iterator[RedisServer]:
    server = RedisServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def scale_env(scale_redis: RedisServer, postgres_server: PostgresServer) -> dict[str, str]:
    db_url = postgres_server.create_database(f"scale_{secrets.token_hex(4)}")
    return {
        "REFLEX_REDIS_URL": scale_redis.url,
        "REFLEX_DB_URL": db_url,
        "NC_SECRET_KEY": "scale-out-shared-secret-of-32-characters",  # every node signs sessions alike
        "NC_PING_INTERVAL_SECONDS": str(PING_SECONDS),
        "NC_MAX_CONNECTIONS_PER_USER": str(STREAM_LIMIT),
        "GRANIAN_LOG_LEVEL": "info",  # granian then logs each worker it spawns
    }


def start_node(workdir: Path, env: dict[str, str]) -> AppServer:
    """Start a node; the frontend build may collide with a concurrent one, so retry once."""
    server = AppServer(workdir, dict(env))
    try:
        return server.start()
    except (RuntimeError, TimeoutError):
        server.stop()
        return AppServer(workdir, dict(env)).start()  # a fresh port too


@pytest.fixture(scope="module")
def node1(tmp_root: Path, scale_env: dict[str, str]) -> Iterator[AppServer]:
    server = start_node(tmp_root / "scale-node1", scale_env)
    yield server
    server.stop()


def worker_count(server: AppServer) -> int:
    """Workers granian spawned, from the node's log."""
    return len(set(re.findall(r"Spawning worker-(\d+)", server.log_path.read_text())))


async def subscribers(redis_url: str) -> int:
    async with aioredis.from_url(redis_url) as r:
        ((_, count),) = await r.pubsub_numsub("nc:events")
    return count


async def wait_subscribers(redis_url: str, expected: int, within: float = 20) -> None:
    """Every worker holds its one subscription (workers start at slightly different times)."""
    deadline = asyncio.get_running_loop().time() + within
    while (count := await subscribers(redis_url)) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{count} subscribers, expected {expected}"
        await asyncio.sleep(0.1)


async def serving_instances(redis_url: str, user_id: str) -> set[str]:
    """The distinct workers (transport instances) that hold streams of this user."""
    key = RedisTransport(redis_url).user_key(user_id)
    async with aioredis.from_url(redis_url, decode_responses=True) as r:
        members = await r.zrange(key, 0, -1)
    return {m.split(":", 1)[0] for m in members}


@dataclass
class Signed:
    id: str
    username: str
    cookies: dict[str, str]


def sign_up(server: AppServer, role: str = "user") -> Signed:
    username, password = f"s{role[0]}{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    server.create_user(username, password, role)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        r = client.post("/api/auth/login", json={"username": username, "password": password})
        r.raise_for_status()
        return Signed(r.json()["id"], username, dict(client.cookies))


async def stats(server: AppServer, operator: Signed) -> dict:
    async with httpx.AsyncClient(base_url=server.url, cookies=operator.cookies, timeout=10) as client:
        r = await client.get("/api/notifications/stats")
        r.raise_for_status()
        return r.json()


async def wait_stats(server: AppServer, operator: Signed, check, within: float = 10) -> dict:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        current = await stats(server, operator)
        if check(current):
            return current
        assert asyncio.get_running_loop().time() < deadline, f"stats never matched: {current}"
        await asyncio.sleep(0.1)


async def send(client: httpx.AsyncClient, recipient: str, title: str) -> str:
    r = await client.post("/api/notifications", json={"title": title, "content": "", "recipients": [recipient]})
    assert r.status_code == 201, r.text
    (notification_id,) = r.json()["ids"]
    return notification_id


async def open_streams(server: AppServer, user: Signed, count: int, tag: str) -> list[ResumingStream]:
    streams = [ResumingStream(server.url, user.cookies, name=f"{tag}{i}") for i in range(count)]
    await asyncio.gather(*(s.start() for s in streams))
    assert [s.refused for s in streams] == [None] * count
    return streams


async def try_stream(client: httpx.AsyncClient) -> tuple[int, dict | None]:
    """Open a stream on a new connection; its status, and the JSON body unless it is a stream."""
    async with client.stream("GET", "/api/notifications/stream", headers={"Connection": "close"}) as r:
        if r.status_code == 200:
            return 200, None  # leaves without reading the endless body
        return r.status_code, json.loads(await r.aread())


async def try_websocket(url: str, cookies: dict[str, str]) -> Closed:
    """Open the WebSocket stream; how the server closed it (a refusal comes before any message)."""
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    socket = await WebSocket.connect(url, "/api/notifications/ws?lastEventId=", cookie=cookie)
    try:
        await asyncio.wait_for(socket.recv(), 10)
    except Closed as closed:
        return closed
    finally:
        await socket.close()
    raise AssertionError("the WebSocket stream was admitted")


async def close_all(streams: list[ResumingStream]) -> None:
    await asyncio.gather(*(s.close() for s in streams))


# -- tests --------------------------------------------------------------------------


async def test_many_streams_of_one_user_across_workers(node1: AppServer, scale_redis: RedisServer) -> None:
    workers = worker_count(node1)
    assert workers >= 2, f"expected several workers with Redis configured, log shows {workers}"
    await wait_subscribers(scale_redis.url, workers)  # one subscription per worker, not per stream

    alice, operator = sign_up(node1), sign_up(node1, "operator")
    await wait_stats(node1, operator, lambda s: s["totalClients"] == 0)
    streams = await open_streams(node1, alice, 20, "a")
    try:
        # Cluster-wide numbers: every stream counted, whichever worker serves it.
        current = await wait_stats(node1, operator, lambda s: s["totalClients"] == 20)
        assert current["userClientCounts"] == {alice.id: 20}
        assert current["connectedUserIds"] == [alice.id]
        spread = await serving_instances(scale_redis.url, alice.id)
        assert len(spread) >= 2, f"all 20 streams landed on one worker: {spread}"
        assert await subscribers(scale_redis.url) == workers

        async with httpx.AsyncClient(base_url=node1.url, cookies=operator.cookies, timeout=10) as op:
            sent = await send(op, alice.username, "to every tab")
        for stream in streams:
            await stream.wait_for(lambda s: sent in s.notification_ids(), what="the notification")
        await asyncio.sleep(PING_SECONDS + 0.5)  # a duplicate would have arrived by now
        for stream in streams:
            assert stream.notification_ids() == [sent], stream.name
            assert stream.connects == 1, stream.name
    finally:
        await close_all(streams)
    # Streams whose client went away stop counting within a ping interval plus a second.
    await wait_stats(node1, operator, lambda s: s["totalClients"] == 0, within=PING_SECONDS + 4)


async def test_per_user_limit_holds_across_workers(node1: AppServer, scale_redis: RedisServer) -> None:
    bob = sign_up(node1)
    streams = await open_streams(node1, bob, STREAM_LIMIT, "b")
    try:
        assert len(await serving_instances(scale_redis.url, bob.id)) >= 2
        async with httpx.AsyncClient(base_url=node1.url, cookies=bob.cookies, timeout=10) as client:
            for _ in range(3):  # new connections, whichever worker they reach
                status, body = await try_stream(client)
                assert status == 429, body
                assert body["limit"] == STREAM_LIMIT
                # One count for both transports, cluster-wide: a WebSocket is refused too.
                closed = await try_websocket(node1.url, bob.cookies)
                assert closed.code == 4429 and f"(limit {STREAM_LIMIT})" in closed.reason, closed

            await streams.pop().close()  # one slot frees up (the server notices within a ping)
            deadline = asyncio.get_running_loop().time() + PING_SECONDS + 4
            while True:
                extra = ResumingStream(node1.url, bob.cookies, name="extra")
                await extra.start()
                if extra.refused is None:
                    streams.append(extra)
                    break
                await extra.close()
                assert extra.refused == 429
                assert asyncio.get_running_loop().time() < deadline, "the freed slot never became available"
                await asyncio.sleep(0.2)
            assert (await try_stream(client))[0] == 429
    finally:
        await close_all(streams)


async def test_redis_restart_loses_nothing(node1: AppServer, scale_redis: RedisServer) -> None:
    carol, operator = sign_up(node1), sign_up(node1, "operator")
    streams = await open_streams(node1, carol, 8, "c")
    sent: list[str] = []
    health_seen: list[str] = []
    stop_sending = asyncio.Event()

    async def sender() -> None:
        async with httpx.AsyncClient(base_url=node1.url, cookies=operator.cookies, timeout=10) as op:
            i = 0
            while not stop_sending.is_set():
                sent.append(await send(op, carol.username, f"n{i}"))
                i += 1
                await asyncio.sleep(0.1)

    async def health() -> dict:
        async with httpx.AsyncClient(base_url=node1.url, timeout=5) as client:
            r = await client.get("/api/health", headers={"Connection": "close"})
            body = r.json()
            assert r.status_code == (200 if body["redis"] == "ok" else 503)
            health_seen.append(body["redis"])
            return body

    sending = asyncio.create_task(sender())
    try:
        await asyncio.sleep(1.0)
        scale_redis.stop()
        before_outage = len(sent)
        deadline = asyncio.get_running_loop().time() + 10
        while (await health())["redis"] != "error":
            assert asyncio.get_running_loop().time() < deadline, "health never reported the outage"
            await asyncio.sleep(0.1)
        for stream in streams[:4]:  # network blips while Redis is down: resume from a cursor
            stream.drop()
        await asyncio.sleep(2.0)  # down for a while; notifications keep being sent
        for stream in streams[:4]:
            await stream.wait_for(lambda s: s.connects >= 2, what="a resume during the outage")
        assert len(sent) > before_outage + 5, "sending stalled while Redis was down"

        scale_redis.start()  # same port, empty: presence and subscriptions must come back
        deadline = asyncio.get_running_loop().time() + 20
        oks = 0
        while oks < 10:  # ten answers in a row, likely from every worker
            oks = oks + 1 if (await health())["redis"] == "ok" else 0
            assert asyncio.get_running_loop().time() < deadline, f"redis never healthy again: {health_seen[-10:]}"
            await asyncio.sleep(0.05)
        for stream in streams[4:6]:  # and blips after the recovery
            stream.drop()
        await asyncio.sleep(1.0)  # some more notifications after the recovery
        stop_sending.set()
        await sending

        assert "error" in health_seen
        await wait_subscribers(scale_redis.url, worker_count(node1))
        for stream in streams:
            await stream.wait_for(lambda s: len(s.notification_ids()) >= len(sent), within=15, what="every one")
        await asyncio.sleep(PING_SECONDS + 0.5)
        expected_cursors = list(range(1, len(sent) + 1))
        for stream in streams:
            assert stream.notification_ids() == sent, stream.name  # each once, in order
            assert stream.cursors() == expected_cursors, stream.name
        for stream in streams[:6]:
            connected = stream.of_type("connected")
            assert len(connected) >= 2, stream.name
            assert all(e.data["resumed"] for e in connected[1:]), stream.name
        # The heartbeats re-created the presence the restarted (empty) Redis had lost.
        current = await wait_stats(node1, operator, lambda s: s["userClientCounts"].get(carol.id) == 8)
        assert current["userClientCounts"][carol.id] == 8
    finally:
        stop_sending.set()
        with contextlib.suppress(Exception):
            await sending
        if scale_redis.proc is None or scale_redis.proc.poll() is not None:
            scale_redis.start()  # leave Redis up for the next test, whatever happened
        await close_all(streams)


async def test_two_nodes_deliver_to_each_others_clients(
    node1: AppServer, scale_env: dict[str, str], scale_redis: RedisServer, tmp_root: Path
) -> None:
    node2 = start_node(tmp_root / "scale-node2", scale_env)
    try:
        await wait_subscribers(scale_redis.url, worker_count(node1) + worker_count(node2))
        dave, operator = sign_up(node1), sign_up(node1, "operator")  # signed in on node 1 only
        # No sticky sessions: the session cookie of node 1 works on node 2.
        on1 = await open_streams(node1, dave, 3, "n1-")
        on2 = await open_streams(node2, dave, 3, "n2-")
        streams = on1 + on2
        try:
            for server in (node1, node2):
                current = await wait_stats(server, operator, lambda s: s["userClientCounts"].get(dave.id) == 6)
                assert current["userClientCounts"][dave.id] == 6
            sent = []
            for server in (node1, node2, node2, node1):
                async with httpx.AsyncClient(base_url=server.url, cookies=operator.cookies, timeout=10) as op:
                    sent.append(await send(op, dave.username, f"via {server.port}"))
            for stream in streams:
                await stream.wait_for(lambda s: len(s.notification_ids()) >= len(sent), what="both nodes' sends")
            await asyncio.sleep(PING_SECONDS + 0.5)
            for stream in streams:
                assert stream.notification_ids() == sent, stream.name
                assert stream.cursors() == [1, 2, 3, 4], stream.name
        finally:
            await close_all(streams)
    finally:
        node2.stop()
