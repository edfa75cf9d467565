"""The app keeps answering with more open streams than granian's default backlog (1,024).

Under `reflex run`, connection 1,025 was never accepted and health, pages and the API hung
until streams closed. The launcher (notification_center/serve.py) sizes the limits to the
open-files limit. Streams are opened over raw sockets: 1,100 httpx clients would cost more
than the server under test. Every other stream is a WebSocket (GET /api/notifications/ws):
both transports hold the same kind of slot.
"""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import APP_ENV
from tests.support.processes import AppServer

pytestmark = pytest.mark.slow

STREAMS = 1100  # beyond granian's default backpressure of 1,024 per worker


@pytest.fixture(scope="module")
def roomy_app(tmp_root: Path) -> Iterator[AppServer]:
    server = AppServer(tmp_root / "capacity", {**APP_ENV, "NC_MAX_CONNECTIONS_PER_USER": str(STREAMS + 10)}).start()
    yield server
    server.stop()


WS_UPGRADE = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
)


async def _open_stream(
    port: int, cookie: str, websocket: bool = False
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    path, extra = ("/api/notifications/ws?lastEventId=", WS_UPGRADE) if websocket else ("/api/notifications/stream", "")
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Cookie: nc_session={cookie}\r\n\r\n"
    writer.write(head.encode())
    await writer.drain()
    seen = b""
    while b"Connected to notification stream" not in seen:
        chunk = await asyncio.wait_for(reader.read(4096), 30)
        assert chunk, f"stream closed early: {seen[:200]!r}"
        seen += chunk
    return reader, writer


async def test_health_pages_and_new_streams_answer_beyond_1024_streams(roomy_app: AppServer) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < STREAMS + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, STREAMS + 1000), hard))
    roomy_app.create_user("crowd", "crowd-password-1")
    client = roomy_app.login("crowd", "crowd-password-1")
    cookie = client.cookies["nc_session"]
    client.close()

    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        for start in range(0, STREAMS, 100):
            batch = range(start, start + 100)
            opened += await asyncio.gather(*(_open_stream(roomy_app.port, cookie, i % 2 == 1) for i in batch))
        assert len(opened) == STREAMS

        async with httpx.AsyncClient(base_url=roomy_app.url, timeout=5, follow_redirects=True) as http:
            health = await http.get("/api/health")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            assert (await http.get("/login")).status_code == 200
            http.cookies.set("nc_session", cookie)
            me = await http.get("/api/auth/me")
            assert me.status_code == 200
        # One more stream of each kind is accepted and gets its `connected` event.
        opened.append(await _open_stream(roomy_app.port, cookie))
        opened.append(await _open_stream(roomy_app.port, cookie, websocket=True))
    finally:
        for _, writer in opened:
            writer.close()
