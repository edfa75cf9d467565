"""Server shutdown with streams open: every stream ends and the server exits promptly.

Each test holds streams of both transports on one server (a full app start each, so the
transports share it rather than doubling the starts)."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from tests.conftest import APP_ENV
from tests.support.processes import AppServer
from tests.support.sse import TRANSPORTS, StreamReader
from tests.support.ws import Closed, WebSocket

pytestmark = pytest.mark.slow


async def test_sigterm_ends_open_streams_and_exits(tmp_root):
    server = AppServer(tmp_root / "shutdown", dict(APP_ENV, NC_PING_INTERVAL_SECONDS="30")).start()
    try:
        server.create_user("leaver", "leaver-password")
        async with server.async_login("leaver", "leaver-password") as client:
            readers = [await StreamReader(client, transport=TRANSPORTS[i % 2]).start() for i in range(4)]
            for reader in readers:
                await reader.wait_for(lambda r: r.events)
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(asyncio.gather(*(r.ended.wait() for r in readers)), timeout=10)
            for reader in readers[1::2]:  # the WebSockets say why
                assert (reader.close_code, reader.close_reason) == (4503, "shutting down: reconnect")
            while server.proc.poll() is None:
                assert time.monotonic() - started < 15, "server did not exit with streams open"
                await asyncio.sleep(0.1)
    finally:
        server.stop()


async def test_streams_that_reconnect_during_shutdown_are_refused_and_the_server_exits(tmp_root):
    """The server keeps accepting while it drains; a stream opened then (a browser resuming
    at once) must not hold the shutdown: it gets 503, and the server still exits."""
    server = AppServer(tmp_root / "shutdown-race", dict(APP_ENV, NC_PING_INTERVAL_SECONDS="30")).start()
    try:
        server.create_user("racer", "racer-password")
        async with server.async_login("racer", "racer-password") as client:
            first = await StreamReader(client).start()
            await first.wait_for(lambda r: r.events)
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(first.ended.wait(), timeout=10)
            statuses = []
            while server.proc.poll() is None:
                assert time.monotonic() - started < 15, f"server did not exit; reconnects got {statuses}"
                try:
                    if len(statuses) % 2:
                        statuses.append(await _websocket_refusal(server.url, client))
                    else:
                        response = await client.get("/api/notifications/stream", timeout=2)
                        statuses.append(response.status_code)
                except (httpx.HTTPError, OSError, TimeoutError):
                    break  # no longer accepting: what we wanted
                await asyncio.sleep(0.05)
            assert all(status == 503 for status in statuses), statuses  # 4503 on the WebSocket
            await asyncio.to_thread(server.proc.wait, 15)
    finally:
        server.stop()


async def _websocket_refusal(url: str, client: httpx.AsyncClient) -> int:
    """A WebSocket stream's answer as an HTTP-like status: its close code minus 4000."""
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    socket = await WebSocket.connect(url, "/api/notifications/ws?lastEventId=", cookie=cookie, timeout=2)
    try:
        await asyncio.wait_for(socket.recv(), 2)
        return 200
    except Closed as closed:
        if closed.code is None or closed.code < 4000:
            raise OSError(f"not a refusal: {closed}") from closed
        return closed.code - 4000
    finally:
        await socket.close()
