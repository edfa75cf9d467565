"""Retention over real HTTP: with `NC_RETENTION_DAYS` set (here a few seconds' worth), the
scheduler purges older notifications in the background and counts them in /metrics; a
stream resuming from before the purged ones is told so (`reset`).

Served by the API with its per-worker lifespan (WorkerApiServer: the same routes and
scheduler as `make run`, without a frontend build), since the setting is unusual."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.api_server import WorkerApiServer
from tests.support.sse import StreamReader

RETENTION_SECONDS = 3.0


@pytest.fixture(scope="module")
def retention_server(tmp_root: Path) -> Iterator[WorkerApiServer]:
    env = {"NC_RETENTION_DAYS": str(RETENTION_SECONDS / 86_400), "NC_SCHEDULER_INTERVAL_SECONDS": "0.2"}
    server = WorkerApiServer(tmp_root / f"retention-{secrets.token_hex(3)}", env).start()
    yield server
    server.stop()


def purged(server: WorkerApiServer) -> float:
    text = httpx.get(server.url + "/metrics").text
    found = re.search(r'^nc_retention_purged_total\{table="notifications"\} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def _signed_in(server: WorkerApiServer, role: str) -> tuple[str, httpx.Client]:
    name, password = f"r{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    server.create_user(name, password, role)
    return name, server.login(name, password)


def test_old_notifications_are_purged_in_the_background_and_counted(retention_server):
    user, client = _signed_in(retention_server, "user")
    _, operator = _signed_in(retention_server, "operator")
    before = purged(retention_server)
    for i in range(5):
        assert operator.post("/api/notifications", json={"title": f"old {i}", "recipients": [user]}).status_code == 201
    assert len(client.get("/api/notifications").json()["items"]) == 5

    deadline = time.monotonic() + RETENTION_SECONDS + 10
    while client.get("/api/notifications").json()["items"] and time.monotonic() < deadline:
        time.sleep(0.3)
    page = client.get("/api/notifications").json()
    assert page["items"] == []
    assert page["unreadCount"] == 0
    assert purged(retention_server) - before >= 5

    # Newer ones are kept until they are old enough themselves.
    assert operator.post("/api/notifications", json={"title": "new", "recipients": [user]}).status_code == 201
    time.sleep(1.0)
    assert [n["title"] for n in client.get("/api/notifications").json()["items"]] == ["new"]
    client.close()
    operator.close()


async def test_resuming_over_purged_history_gets_reset_first(retention_server):
    user, client = _signed_in(retention_server, "user")
    _, operator = _signed_in(retention_server, "operator")
    for i in range(3):
        assert operator.post("/api/notifications", json={"title": f"p{i}", "recipients": [user]}).status_code == 201
    deadline = asyncio.get_running_loop().time() + RETENTION_SECONDS + 10
    while client.get("/api/notifications").json()["items"]:
        assert asyncio.get_running_loop().time() < deadline, "not purged"
        await asyncio.sleep(0.3)
    assert operator.post("/api/notifications", json={"title": "kept", "recipients": [user]}).status_code == 201

    cookies = dict(client.cookies)
    async with httpx.AsyncClient(base_url=retention_server.url, cookies=cookies, timeout=10) as tab:
        reader = await StreamReader(tab, last_event_id="1").start()  # had seen the first one
        try:
            await reader.wait_notifications(1)
            assert [e.type for e in reader.events[:3]] == ["connected", "reset", "notification"]
            assert reader.events[0].data["resumed"] is True
            assert reader.events[1].data["missing"] == 2
            assert [e.data["title"] for e in reader.of_type("notification")] == ["kept"]
        finally:
            await reader.close()
    client.close()
    operator.close()
