"""The scheduler in a cluster: two app instances (`make run` each, with Redis: 5 workers
apiece, so 10 schedulers polling every 0.2 s) sharing one PostgreSQL database and one
Redis. Scheduled sends and snoozes due at the same instant fire exactly once, seen on
streams of both nodes; and a send and a snooze due while every node was stopped fire after
one starts again."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.processes import AppServer, PostgresServer, RedisServer, free_port
from tests.support.sse import StreamReader

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster_env(postgres_server: PostgresServer) -> Iterator[dict[str, str]]:
    redis = RedisServer(free_port()).start()
    yield {
        "REFLEX_REDIS_URL": redis.url,
        "REFLEX_DB_URL": postgres_server.create_database(f"sched_{secrets.token_hex(4)}"),
        "NC_SECRET_KEY": "scheduling-cluster-secret-of-32-chars",  # both nodes sign alike
        "NC_SCHEDULER_INTERVAL_SECONDS": "0.2",
        "NC_PING_INTERVAL_SECONDS": "1",
    }
    redis.stop()


def _start(workdir: Path, env: dict[str, str]) -> AppServer:
    server = AppServer(workdir, dict(env))
    try:
        return server.start()
    except (RuntimeError, TimeoutError):  # a concurrent frontend build may collide: once more
        server.stop()
        return AppServer(workdir, dict(env)).start()


@pytest.fixture(scope="module")
def nodes(tmp_root: Path, cluster_env: dict[str, str]) -> Iterator[list[AppServer]]:
    started = [_start(tmp_root / "sched-node1", cluster_env), _start(tmp_root / "sched-node2", cluster_env)]
    yield started
    for node in started:
        node.stop()


@dataclass
class Person:
    username: str
    cookies: dict[str, str]


def person(node: AppServer, role: str = "user") -> Person:
    username, password = f"c{role[0]}{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    node.create_user(username, password, role)
    client = node.login(username, password)
    try:
        return Person(username, dict(client.cookies))
    finally:
        client.close()


def client(node: AppServer, who: Person) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=node.url, cookies=who.cookies, timeout=20)


def titles_of(reader: StreamReader) -> list[str]:
    return [e.data["title"] for e in reader.of_type("notification")]


def iso_in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def test_sends_due_together_fire_exactly_once_across_two_nodes(nodes: list[AppServer]) -> None:
    node1, node2 = nodes
    user, operator = person(node1), person(node1, "operator")
    sends = 30
    async with client(node1, user) as tab1, client(node2, user) as tab2, client(node2, operator) as op:
        readers = [await StreamReader(tab1).start(), await StreamReader(tab2).start()]
        try:
            send_at = iso_in(4)
            for i in range(sends):  # all due at the same instant
                body = {"title": f"due {i}", "recipients": [user.username], "sendAt": send_at}
                r = await op.post("/api/notifications", json=body)
                assert r.status_code == 202, r.text
            for reader in readers:
                await reader.wait_notifications(sends, timeout=30)
            await asyncio.sleep(2)  # ten schedulers keep polling: nothing more may come
            for reader in readers:
                ids = reader.notification_ids()
                assert len(ids) == sends, "a scheduled send fired more than once"
                assert len(set(ids)) == sends
                assert sorted(e.data["title"] for e in reader.of_type("notification")) == sorted(
                    f"due {i}" for i in range(sends)
                )
        finally:
            for reader in readers:
                await reader.close()
        page = (await tab1.get("/api/notifications", params={"limit": 100})).json()
        assert len(page["items"]) == sends
        assert (await op.get("/api/scheduled")).json()["total"] == 0


async def test_snoozes_due_together_return_exactly_once_across_two_nodes(nodes: list[AppServer]) -> None:
    node1, node2 = nodes
    user, operator = person(node1), person(node1, "operator")
    count = 20
    async with client(node1, user) as tab1, client(node2, user) as tab2, client(node1, operator) as op:
        r = await op.post("/api/notifications", json={"title": "not snoozed", "recipients": [user.username]})
        assert r.status_code == 201
        ids = []
        for i in range(count):
            r = await op.post("/api/notifications", json={"title": f"s{i}", "recipients": [user.username]})
            ids += r.json()["ids"]
        readers = [await StreamReader(tab1).start(), await StreamReader(tab2).start()]
        try:
            until = iso_in(3)
            for notification_id in ids:
                r = await tab1.post(f"/api/notifications/{notification_id}/snooze", json={"until": until})
                assert r.status_code == 200, r.text

            def returned(reader: StreamReader) -> list[str]:
                return [
                    e.data["notification"]["id"]
                    for e in reader.of_type("updated")
                    if e.data["notification"]["snoozedUntil"] is None
                ]

            for reader in readers:
                await reader.wait_for(lambda rd: len(returned(rd)) >= count, timeout=30)
            await asyncio.sleep(2)  # ten schedulers keep polling: nothing more may come
            for reader in readers:
                assert sorted(returned(reader)) == sorted(ids), "a snooze returned more than once"
        finally:
            for reader in readers:
                await reader.close()
        page = (await tab2.get("/api/notifications", params={"limit": 100})).json()
        assert len(page["items"]) == count + 1


async def test_a_send_and_a_snooze_due_during_a_full_stop_fire_after_the_restart(nodes: list[AppServer]) -> None:
    node1, node2 = nodes
    user, operator = person(node1), person(node1, "operator")
    async with client(node1, operator) as op, client(node1, user) as tab:
        r = await op.post("/api/notifications", json={"title": "snoozed", "recipients": [user.username]})
        (snoozed,) = r.json()["ids"]
        r = await tab.post(f"/api/notifications/{snoozed}/snooze", json={"until": iso_in(3)})
        assert r.status_code == 200, r.text
        body = {"title": "survives restarts", "recipients": [user.username], "sendAt": iso_in(3)}
        r = await op.post("/api/notifications", json=body)
        assert r.status_code == 202, r.text
    for node in nodes:  # nobody is left to fire it
        node.stop()
    await asyncio.sleep(3.5)  # due while the cluster is down
    node1.start()
    async with client(node1, user) as tab:
        reader = await StreamReader(tab, last_event_id="0").start()  # replay covers it if it fired already
        try:
            await reader.wait_for(lambda rd: "survives restarts" in titles_of(rd))
            await asyncio.sleep(1.5)
            assert titles_of(reader).count("survives restarts") == 1
        finally:
            await reader.close()
        page = (await tab.get("/api/notifications")).json()
        assert [n["title"] for n in page["items"]] == ["survives restarts", "snoozed"]  # back from its snooze
        assert all(n["snoozedUntil"] is None for n in page["items"])
    node2.start()
