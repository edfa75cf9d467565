"""Sends to big audiences over real HTTP (issue 22): more recipients than
`NC_BULK_SEND_THRESHOLD` answer 202 `{"sendId", "count"}` at once; the rows are written in
batches in the background, each batch reaching its streams as it commits, and the history
shows how far it got. A worker killed in the middle of one is carried on by the next
worker's scheduler: nobody skipped, nobody notified twice.

Served by the API with its per-worker lifespan (WorkerApiServer), with a threshold of 3 and
batches of 2 (or 1), so a handful of users make a big audience."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.api_server import WorkerApiServer
from tests.support.sse import StreamReader

ROOT = Path(__file__).resolve().parents[2]


def _server(tmp_root: Path, batch: int) -> WorkerApiServer:
    env = {
        "NC_BULK_SEND_THRESHOLD": "3",
        "NC_BULK_SEND_BATCH_SIZE": str(batch),
        "NC_SCHEDULER_INTERVAL_SECONDS": "0.2",
    }
    return WorkerApiServer(tmp_root / f"big-sends-{secrets.token_hex(3)}", env).start()


@pytest.fixture(scope="module")
def big_send_server(tmp_root: Path) -> Iterator[WorkerApiServer]:
    server = _server(tmp_root, batch=2)
    yield server
    server.stop()


def seed(server: WorkerApiServer, count: int) -> dict:
    """`count` users with sessions and an operator, straight into the server's database."""
    out = server.workdir / f"seed-{secrets.token_hex(3)}.json"
    command = [sys.executable, "-m", "bench.seed", str(count), str(out)]
    subprocess.run(command, cwd=ROOT, env=server.env(), check=True, timeout=120)
    return json.loads(out.read_text())


def client(server: WorkerApiServer, cookie: str) -> httpx.AsyncClient:
    name, value = cookie.split("=", 1)
    return httpx.AsyncClient(base_url=server.url, timeout=10, cookies={name: value})


def per_user(server: WorkerApiServer, send_id: str) -> dict[str, int]:
    with sqlite3.connect(server.workdir / "app.db") as db:
        query = "SELECT user_id, COUNT(*) FROM nc_notifications WHERE send_id = ? GROUP BY user_id"
        return dict(db.execute(query, (send_id,)).fetchall())


async def test_a_big_send_answers_202_and_reaches_every_stream_once(big_send_server):
    seeded = seed(big_send_server, 7)
    operator = client(big_send_server, seeded["operator"])
    users = [client(big_send_server, cookie) for cookie in seeded["users"]]
    streams = [await StreamReader(user).start() for user in users]
    try:
        title = f"to everyone {secrets.token_hex(3)}"
        r = await operator.post("/api/notifications", json={"title": title, "recipients": seeded["usernames"]})
        assert r.status_code == 202, r.text
        accepted = r.json()
        assert accepted["sendId"].startswith("send_") and accepted["count"] == 7

        for stream in streams:
            await stream.wait_notifications(1, timeout=15)
        await asyncio.sleep(0.5)  # a duplicate would arrive by now
        for stream in streams:
            assert [e.data["title"] for e in stream.of_type("notification")] == [title]

        detail = (await operator.get(f"/api/history/{accepted['sendId']}")).json()
        assert detail["send"]["recipients"] == 7
        assert (detail["send"]["state"], detail["send"]["written"]) == ("sent", 7)
        assert sorted(r["username"] for r in detail["recipients"]) == sorted(seeded["usernames"])
        listed = (await operator.get("/api/history", params={"sender": detail["send"]["sender"]["label"]})).json()
        assert [(i["id"], i["state"], i["written"]) for i in listed["items"]] == [(accepted["sendId"], "sent", 7)]
        assert list(per_user(big_send_server, accepted["sendId"]).values()) == [1] * 7

        audit = (await operator.get("/api/audit")).json()
        assert any(title == e["target"] and "background" in e["detail"] for e in audit["items"]), audit
    finally:
        for stream in streams:
            await stream.close()
        for c in [operator, *users]:
            await c.aclose()


async def test_a_send_up_to_the_threshold_is_written_before_the_answer(big_send_server):
    seeded = seed(big_send_server, 3)
    async with client(big_send_server, seeded["operator"]) as operator:
        r = await operator.post("/api/notifications", json={"title": "small", "recipients": seeded["usernames"]})
        assert r.status_code == 201, r.text
        assert r.json()["count"] == 3 and len(r.json()["ids"]) == 3


async def test_an_unknown_recipient_in_a_big_send_is_422_and_sends_nothing(big_send_server):
    seeded = seed(big_send_server, 5)
    async with client(big_send_server, seeded["operator"]) as operator:
        body = {"title": "nope", "recipients": [*seeded["usernames"], "no-such-user-x"]}
        r = await operator.post("/api/notifications", json=body)
        assert r.status_code == 422 and r.json()["field"] == "recipients", r.text
        assert r.json()["unknown"] == ["no-such-user-x"]
        titles = [item["title"] for item in (await operator.get("/api/history")).json()["items"]]
        assert "nope" not in titles
        async with client(big_send_server, seeded["users"][0]) as user:
            assert (await user.get("/api/notifications")).json()["items"] == []


async def test_a_big_send_cut_off_by_a_crash_is_finished_by_the_next_worker(tmp_root):
    server = _server(tmp_root, batch=1)  # one transaction per recipient: the kill lands mid-way
    try:
        seeded = seed(server, 200)
        async with client(server, seeded["operator"]) as operator:
            r = await operator.post("/api/notifications", json={"title": "crash", "recipients": "all"})
        assert r.status_code == 202, r.text
        send_id, count = r.json()["sendId"], r.json()["count"]
        assert count >= 201  # the users, the operator (and whoever else the database holds)
        assert server.proc is not None
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
        server.proc = None
        with sqlite3.connect(server.workdir / "app.db") as db:
            (written,) = db.execute("SELECT written FROM nc_bulk_sends WHERE id = ?", (send_id,)).fetchone()
        assert written < count, "the send finished before the kill: nothing was resumed"
        assert sum(per_user(server, send_id).values()) == written  # each committed batch moved `written`

        server.start()
        async with client(server, seeded["operator"]) as operator:
            deadline = time.monotonic() + 60
            while (send := (await operator.get(f"/api/history/{send_id}")).json()["send"])["state"] != "sent":
                assert time.monotonic() < deadline, send
                await asyncio.sleep(0.3)
        assert send["written"] == count
        assert per_user(server, send_id) == dict.fromkeys(per_user(server, send_id), 1)
        assert len(per_user(server, send_id)) == count
    finally:
        server.stop()
