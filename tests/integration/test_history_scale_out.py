"""The history and the console's samples with Redis and several workers on PostgreSQL:
delivered figures count streams on every worker and read the same from any of them, and
the connections sample holds the cluster-wide count, once per slot."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.processes import AppServer, PostgresServer, RedisServer
from tests.support.sse import StreamReader

pytestmark = pytest.mark.slow

STREAMS = 8


@pytest.fixture(scope="module")
def node(tmp_root: Path, redis_server: RedisServer, postgres_server: PostgresServer) -> Iterator[AppServer]:
    env = {
        "REFLEX_REDIS_URL": redis_server.url,
        "REFLEX_DB_URL": postgres_server.create_database(f"hist_scale_{secrets.token_hex(4)}"),
        "NC_PING_INTERVAL_SECONDS": "1",
    }
    server = AppServer(tmp_root / "history-scale", env).start()
    yield server
    server.stop()


async def test_figures_and_samples_are_cluster_wide(node: AppServer):
    op_name, users = f"op{secrets.token_hex(3)}", [f"u{secrets.token_hex(3)}" for _ in range(STREAMS)]
    node.create_user(op_name, "operator-password-1", "operator")
    for name in users:
        node.create_user(name, "user-password-1")
    clients = [node.async_login(name, "user-password-1") for name in users]
    readers = [await StreamReader(client).start() for client in clients]  # spread over the workers
    try:
        async with node.async_login(op_name, "operator-password-1") as op:
            assert (await op.post("/api/notifications", json={"title": "x", "recipients": users})).status_code == 201
            for reader in readers:
                await reader.wait_notifications(1)
            send_id = (await op.get("/api/history", params={"sender": op_name})).json()["items"][0]["id"]
            deadline = time.monotonic() + 15
            while True:  # each worker flushes its own deliveries about every second
                answers = [(await op.get(f"/api/history/{send_id}")).json()["send"] for _ in range(10)]
                if all(a["delivered"] == STREAMS for a in answers) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.3)
            assert {a["delivered"] for a in answers} == {STREAMS}  # whichever worker answered

        # The next sample after every stream opened holds all of them, not one worker's share.
        opened = time.time()
        engine = sa.create_engine(node.env()["REFLEX_DB_URL"])
        try:
            deadline = time.monotonic() + 40
            while True:
                with engine.connect() as conn:
                    rows = conn.execute(
                        sa.text("SELECT slot, streams, users FROM nc_stream_samples WHERE slot > :t ORDER BY slot"),
                        {"t": int(opened)},
                    ).all()
                if rows or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
        finally:
            engine.dispose()
        assert rows, "no connection sample was written"
        assert all(slot % 15 == 0 for slot, _, _ in rows)
        assert (rows[0][1], rows[0][2]) == (STREAMS, STREAMS)
    finally:
        for reader in readers:
            await reader.close()
        for client in clients:
            await client.aclose()
