"""A revoked session's open streams end at once, not at the next periodic check.

The apps here ping (and re-check sessions) only every 30 s, so a stream that ends within
about a second of the revocation was ended by the announced `revoked` message. First one
app with the in-memory transport; then two apps sharing Redis (and one SQLite database),
each with two workers, where the revocation happens on one node and the streams live on
the other, and where the CLI, a process of its own, announces it through Redis.

Streams alternate between the two transports (SSE, WebSocket), so every scenario holds
both; a WebSocket must also say why it ended (close code 4401).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Account
from tests.support.processes import AppServer, RedisServer
from tests.support.sse import TRANSPORTS, StreamReader

pytestmark = pytest.mark.slow

SLOW_PING = {"NC_PING_INTERVAL_SECONDS": "30", "NC_LOGIN_IP_RATE_LIMIT": "1000/minute"}
WITHIN = 2.0  # seconds; the periodic check would take up to 30


@pytest.fixture(scope="module")
def memory_app(tmp_root: Path) -> Iterator[AppServer]:
    server = AppServer(tmp_root / "revoke-memory", dict(SLOW_PING)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_nodes(tmp_root: Path, redis_server: RedisServer) -> Iterator[tuple[AppServer, AppServer]]:
    env = {
        **SLOW_PING,
        "REFLEX_REDIS_URL": redis_server.url,
        "REFLEX_DB_URL": f"sqlite:///{tmp_root / 'revoke-shared.db'}",
        "NC_SECRET_KEY": "revocation-shared-secret-for-both-nodes-0123456789",  # both nodes alike
        "GRANIAN_WORKERS": "2",
    }
    first = AppServer(tmp_root / "revoke-node1", dict(env)).start()
    second = AppServer(tmp_root / "revoke-node2", dict(env)).start()
    yield first, second
    second.stop()
    first.stop()


def account(server: AppServer) -> Account:
    made = Account(f"r{secrets.token_hex(4)}", secrets.token_urlsafe(12), "user")
    server.create_user(made.username, made.password)
    return made


def cookies(server: AppServer, who: Account) -> dict[str, str]:
    client = server.login(who.username, who.password)
    try:
        return dict(client.cookies)
    finally:
        client.close()


async def open_streams(server: AppServer, jar: dict[str, str], count: int) -> list[StreamReader]:
    readers = []
    for i in range(count):
        client = httpx.AsyncClient(base_url=server.url, cookies=jar, timeout=10)
        reader = await StreamReader(client, transport=TRANSPORTS[i % 2]).start()
        await reader.wait_for(lambda r: r.events)  # `connected`: registered and live
        readers.append(reader)
    return readers


async def ended_within(readers: list[StreamReader], started: float) -> float:
    await asyncio.wait_for(asyncio.gather(*(r.ended.wait() for r in readers)), timeout=10)
    elapsed = time.monotonic() - started
    for reader in readers:
        if reader.transport == "websocket":
            assert (reader.close_code, reader.close_reason) == (4401, "unauthenticated: the session was revoked")
    return elapsed


async def close(readers: list[StreamReader]) -> None:
    for reader in readers:
        await reader.close()
        await reader.client.aclose()


# -- one app, in-memory transport ----------------------------------------------------
async def test_logout_ends_that_sessions_streams_at_once(memory_app: AppServer) -> None:
    who = account(memory_app)
    revoked_jar, other_jar = cookies(memory_app, who), cookies(memory_app, who)
    revoked = await open_streams(memory_app, revoked_jar, 2)
    other = await open_streams(memory_app, other_jar, 1)
    try:
        async with httpx.AsyncClient(base_url=memory_app.url, cookies=revoked_jar) as tab:
            started = time.monotonic()
            assert (await tab.post("/api/auth/logout")).status_code == 200
        assert await ended_within(revoked, started) < WITHIN
        await asyncio.sleep(0.5)
        assert not other[0].ended.is_set()  # another session of the same user goes on
    finally:
        await close(revoked + other)


async def test_logout_all_ends_every_stream_of_the_user_at_once(memory_app: AppServer) -> None:
    who, bystander = account(memory_app), account(memory_app)
    jars = [cookies(memory_app, who) for _ in range(2)]
    streams = [s for jar in jars for s in await open_streams(memory_app, jar, 2)]
    untouched = await open_streams(memory_app, cookies(memory_app, bystander), 1)
    try:
        async with httpx.AsyncClient(base_url=memory_app.url, cookies=jars[0]) as tab:
            started = time.monotonic()
            assert (await tab.post("/api/auth/logout-all")).json()["revoked"] == 2
        assert await ended_within(streams, started) < WITHIN
        await asyncio.sleep(0.5)
        assert not untouched[0].ended.is_set()
    finally:
        await close(streams + untouched)


# -- two nodes sharing Redis -----------------------------------------------------------
async def test_logout_on_one_node_ends_streams_on_the_other(redis_nodes: tuple[AppServer, AppServer]) -> None:
    first, second = redis_nodes
    who = account(first)
    jar = cookies(first, who)
    streams = await open_streams(second, jar, 4) + await open_streams(first, jar, 2)
    try:
        async with httpx.AsyncClient(base_url=first.url, cookies=jar) as tab:
            started = time.monotonic()
            assert (await tab.post("/api/auth/logout")).status_code == 200
        assert await ended_within(streams, started) < WITHIN
    finally:
        await close(streams)


async def test_logout_all_reaches_every_node(redis_nodes: tuple[AppServer, AppServer]) -> None:
    first, second = redis_nodes
    who = account(first)
    jars = [cookies(first, who), cookies(second, who)]
    streams = await open_streams(first, jars[0], 2) + await open_streams(second, jars[1], 2)
    try:
        async with httpx.AsyncClient(base_url=second.url, cookies=jars[1]) as tab:
            started = time.monotonic()
            assert (await tab.post("/api/auth/logout-all")).json()["revoked"] == 2
        assert await ended_within(streams, started) < WITHIN
    finally:
        await close(streams)


@pytest.mark.parametrize("command", ["revoke-sessions", "create-user"])
async def test_cli_announces_through_redis(redis_nodes: tuple[AppServer, AppServer], command: str) -> None:
    first, second = redis_nodes
    who = account(first)
    streams = await open_streams(first, cookies(first, who), 2) + await open_streams(second, cookies(second, who), 2)
    args = [who.username] if command == "revoke-sessions" else [who.username, "--password=changed-password"]
    try:
        out = await asyncio.to_thread(first.cli, command, *args)
        assert "told to end (through Redis)" in out.stdout
        # Measured from the CLI's exit (it publishes just before): its start-up is not
        # the stream's delay.
        assert await ended_within(streams, time.monotonic()) < WITHIN
    finally:
        await close(streams)
