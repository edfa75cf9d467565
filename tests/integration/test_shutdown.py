"""Server shutdown with streams open: every stream ends and the server exits promptly."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from tests.conftest import APP_ENV
from tests.support.processes import AppServer
from tests.support.sse import StreamReader

pytestmark = pytest.mark.slow


async def test_sigterm_ends_open_streams_and_exits(tmp_root):
    server = AppServer(tmp_root / "shutdown", dict(APP_ENV, NC_PING_INTERVAL_SECONDS="30")).start()
    try:
        server.create_user("leaver", "leaver-password")
        async with server.async_login("leaver", "leaver-password") as client:
            readers = [await StreamReader(client).start() for _ in range(3)]
            for reader in readers:
                await reader.wait_for(lambda r: r.events)
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(asyncio.gather(*(r.ended.wait() for r in readers)), timeout=10)
            while server.proc.poll() is None:
                assert time.monotonic() - started < 15, "server did not exit with streams open"
                await asyncio.sleep(0.1)
    finally:
        server.stop()
