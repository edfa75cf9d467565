"""The stream contract over real HTTP: GET /api/notifications/stream (SSE) and, for every
test taking `transport`, GET /api/notifications/ws (WebSocket) with the same assertions."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from tests.support.api_server import ApiServer
from tests.support.sse import TRANSPORTS, StreamReader


@pytest.fixture(params=TRANSPORTS)
def transport(request) -> str:
    """The contract's stream tests run over both transports: SSE and the WebSocket."""
    return request.param


@pytest.fixture
async def alice(app_server, make_account):
    account = make_account()
    async with app_server.async_login(account.username, account.password) as client:
        yield account, client


@pytest.fixture
async def op(app_server, make_account):
    account = make_account(role="operator", prefix="op")
    async with app_server.async_login(account.username, account.password) as client:
        yield client


async def send(op: httpx.AsyncClient, username: str, title: str = "Hello", **extra) -> list[str]:
    r = await op.post("/api/notifications", json={"title": title, "recipients": [username], **extra})
    assert r.status_code == 201, r.text
    return r.json()["ids"]


async def test_without_session_is_401_json_not_a_stream(app_server):
    async with httpx.AsyncClient(base_url=app_server.url) as anonymous:
        r = await anonymous.get("/api/notifications/stream")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]


async def test_handshake_headers_and_connected_event(alice):
    _, client = alice
    reader = await StreamReader(client).start()
    try:
        await reader.wait_for(lambda r: r.events)
        assert reader.status == 200
        assert reader.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert reader.headers["cache-control"] == "no-cache"
        assert reader.headers["x-accel-buffering"] == "no"
        first = reader.events[0]
        assert first.type == "connected"
        assert first.data == {"message": "Connected to notification stream", "resumed": False}
        assert first.id == "0"  # a new user has no notifications yet
    finally:
        await reader.close()


async def test_raw_frames_retry_hint_and_no_event_field(app_server, alice):
    _, client = alice
    async with client.stream("GET", "/api/notifications/stream") as response:
        raw = b""
        async for chunk in response.aiter_bytes():
            raw += chunk
            if b"connected" in raw and raw.replace(b"\r\n", b"\n").count(b"\n\n") >= 1:
                break
    text = raw.decode().replace("\r\n", "\n")
    assert "retry: 3000\n" in text
    assert "\nevent:" not in text and not text.startswith("event:")
    assert '"type":"connected"' in text


async def test_delivery_reaches_only_the_recipient(app_server, make_account, alice, op, transport):
    account, client = alice
    bob = make_account()
    async with app_server.async_login(bob.username, bob.password) as bob_client:
        mine = await StreamReader(client, transport=transport).start()
        theirs = await StreamReader(bob_client, transport=transport).start()
        try:
            ids = await send(op, account.username, "For alice only", content="secret", type="alert", priority="high")
            (event,) = [e for e in (await mine.wait_notifications(1)) if e]
            got = mine.of_type("notification")[0]
            assert got.data["id"] == ids[0] == event
            assert got.data["title"] == "For alice only"
            assert got.data["content"] == "secret"
            assert (got.data["type"], got.data["priority"], got.data["status"]) == ("alert", "high", "sent")
            assert got.data["channels"] == ["in_app"]
            assert got.data["readAt"] is None
            assert got.id == "1"
            await asyncio.sleep(0.5)
            assert theirs.of_type("notification") == []
        finally:
            await mine.close()
            await theirs.close()


async def test_two_streams_of_one_user_both_receive(alice, op, transport):
    account, client = alice
    tabs = [await StreamReader(client, transport=transport).start() for _ in range(2)]
    try:
        ids = await send(op, account.username)
        for tab in tabs:
            assert await tab.wait_notifications(1) == ids
    finally:
        for tab in tabs:
            await tab.close()


async def test_pings_arrive_at_the_configured_interval(alice, transport):
    _, client = alice
    reader = await StreamReader(client, transport=transport).start()
    try:
        start = time.monotonic()
        await reader.wait_for(lambda r: len(r.of_type("ping")) >= 3, timeout=8)
        elapsed = time.monotonic() - start
        # NC_PING_INTERVAL_SECONDS=1 on the test server: three pings take about 3 s.
        assert 1.5 <= elapsed <= 6
        ping = reader.of_type("ping")[0]
        assert ping.data == {"message": "ping"}
        assert len(("data: " + ping.raw + "\n\n").encode()) < 100
    finally:
        await reader.close()


@pytest.mark.parametrize("via", ["header", "query"])
async def test_last_event_id_replays_what_was_missed(alice, op, via, transport):
    account, client = alice
    first = await send(op, account.username, "one")
    reader = await StreamReader(client, transport=transport).start()
    await reader.wait_for(lambda r: r.events)
    cursor = reader.events[0].id
    await reader.close()

    missed = [*(await send(op, account.username, "two")), *(await send(op, account.username, "three"))]
    resumed = await StreamReader(client, transport=transport, last_event_id=cursor, use_query=via == "query").start()
    try:
        assert await resumed.wait_notifications(2) == missed
        assert resumed.events[0].type == "connected"
        assert resumed.events[0].data["resumed"] is True
        assert resumed.events[0].id == cursor
        assert first[0] not in resumed.notification_ids()
        assert [e.id for e in resumed.of_type("notification")] == ["2", "3"]
    finally:
        await resumed.close()


async def test_streams_of_one_session_connecting_together_each_resume_from_their_own_cursor(alice, op, transport):
    # Connects that arrive together are admitted in one batch (api/batched_hop.py): the tabs
    # of one browser share a session but not a cursor, and each must get its own replay.
    account, client = alice
    for title in ("one", "two", "three"):
        await send(op, account.username, title)
    readers = [StreamReader(client, transport=transport, last_event_id=cursor) for cursor in ("1", None, "1", None)]
    await asyncio.gather(*(reader.start() for reader in readers))
    try:
        for reader in readers[0::2]:
            await reader.wait_notifications(2)
            assert reader.events[0].id == "1" and reader.events[0].data["resumed"] is True
            assert [e.id for e in reader.of_type("notification")] == ["2", "3"]
        for reader in readers[1::2]:
            await reader.wait_for(lambda r: r.events)
            assert reader.events[0].id == "3" and reader.events[0].data["resumed"] is False
        await asyncio.sleep(0.3)  # a wrong replay would have arrived by now
        assert [reader.of_type("notification") for reader in readers[1::2]] == [[], []]
    finally:
        await asyncio.gather(*(reader.close() for reader in readers))


@pytest.mark.parametrize("cursor", ["abc", "-1", "999999", "1.5", "9" * 40])
async def test_malformed_or_unknown_cursor_replays_nothing_and_goes_live(alice, op, cursor, transport):
    account, client = alice
    await send(op, account.username, "old")
    reader = await StreamReader(client, transport=transport, last_event_id=cursor).start()
    try:
        await reader.wait_for(lambda r: r.events)
        assert reader.status == 200
        connected = reader.events[0]
        assert connected.data["resumed"] is False
        assert connected.id == "1"  # the latest cursor: resuming from here loses nothing
        live = await send(op, account.username, "new")
        assert await reader.wait_notifications(1) == live
    finally:
        await reader.close()


async def test_no_gap_and_no_duplicate_while_reconnecting_during_a_burst(alice, op, transport):
    account, client = alice
    total = 60

    async def burst() -> list[str]:
        ids: list[str] = []
        for i in range(total):
            ids += await send(op, account.username, f"burst {i}")
        return ids

    sender = asyncio.create_task(burst())
    received: list[str] = []
    # From the start ("0": the user had none), not fresh: a fresh stream begins at the latest
    # cursor, and the burst may already have sent one before the first stream is registered.
    cursor = "0"
    while not sender.done() or cursor != str(total):
        reader = await StreamReader(client, transport=transport, last_event_id=cursor).start()
        await asyncio.sleep(0.15)  # read a little, then drop the connection mid-burst
        await reader.close()
        received += reader.notification_ids()
        cursor = reader.last_cursor() or cursor
        if sender.done() and cursor == str(total):
            break
    sent = await sender
    assert received == sent  # every one, once, in order


async def test_per_user_connection_limit_is_429(alice, transport):
    _, client = alice
    readers = [
        await StreamReader(client, transport=transport).start() for _ in range(4)
    ]  # NC_MAX_CONNECTIONS_PER_USER=4
    try:
        assert all(r.status == 200 for r in readers)
        over = await StreamReader(client, transport=transport).start()
        await asyncio.wait_for(over.ended.wait(), 5)
        assert over.status == 429
        if transport == "sse":
            assert "limit" in (await client.get("/api/notifications/stream")).json()["error"]
        else:
            assert over.close_code == 4429 and "over the limit" in over.close_reason
        await readers[0].close()
        await asyncio.sleep(0.3)
        again = await StreamReader(client, transport=transport).start()
        assert again.status == 200
        readers.append(again)
    finally:
        for r in readers:
            await r.close()


async def test_the_limit_counts_both_transports_together(alice):
    _, client = alice
    readers = [await StreamReader(client, transport=TRANSPORTS[i % 2]).start() for i in range(4)]
    try:
        assert [r.status for r in readers] == [200] * 4
        for transport in TRANSPORTS:
            over = await StreamReader(client, transport=transport).start()
            await asyncio.wait_for(over.ended.wait(), 5)
            assert over.status == 429, transport
    finally:
        for r in readers:
            await r.close()


async def _stats(op: httpx.AsyncClient) -> dict:
    r = await op.get("/api/notifications/stats")
    assert r.status_code == 200
    return r.json()


async def test_stats_count_streams_and_return_to_zero_after_clients_leave(alice, op, transport):
    _, client = alice
    me = (await client.get("/api/auth/me")).json()["id"]
    readers = [await StreamReader(client, transport=transport).start() for _ in range(3)]
    stats = await _stats(op)
    assert stats["userClientCounts"][me] == 3
    assert me in stats["connectedUserIds"]
    assert stats["totalClients"] >= 3
    for r in readers:
        await r.close()
    deadline = time.monotonic() + 2.5  # one ping interval plus a second, and some slack
    while me in (await _stats(op))["connectedUserIds"]:
        assert time.monotonic() < deadline, "closed streams still counted"
        await asyncio.sleep(0.1)


async def test_logout_ends_open_streams(alice, transport):
    _, client = alice
    reader = await StreamReader(client, transport=transport).start()
    await reader.wait_for(lambda r: r.events)
    async with httpx.AsyncClient(base_url=str(client.base_url), cookies=dict(client.cookies)) as other_tab:
        assert (await other_tab.post("/api/auth/logout")).status_code in (200, 204)
    await asyncio.wait_for(reader.ended.wait(), timeout=3)  # one ping interval plus a second
    if transport == "websocket":
        assert reader.close_code == 4401 and reader.close_reason.startswith("unauthenticated")
    again = await StreamReader(client, transport=transport).start()
    await asyncio.wait_for(again.ended.wait(), timeout=5)
    assert again.status == 401


@pytest.mark.slow
async def test_stalled_reader_is_cut_off_without_delaying_others(app_server, alice, op, transport):
    account, client = alice
    healthy = await StreamReader(client, transport=transport).start()
    # A raw socket that never reads, with a tiny receive buffer, holding one stream open.
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    stalled.connect(("127.0.0.1", app_server.port))
    cookie = client.cookies["nc_session"]
    request = f"GET /api/notifications/stream HTTP/1.1\r\nHost: x\r\nCookie: nc_session={cookie}\r\n\r\n"
    if transport == "websocket":
        upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        head = "GET /api/notifications/ws?lastEventId= HTTP/1.1\r\nHost: x\r\n"
        request = f"{head}{upgrade}{key}Cookie: nc_session={cookie}\r\n\r\n"
    stalled.sendall(request.encode())
    me = (await client.get("/api/auth/me")).json()["id"]
    try:
        await asyncio.sleep(0.5)
        assert (await _stats(op))["userClientCounts"][me] == 2
        # Keep sending 5 kB notifications until the kernel's socket buffers (a few MB on
        # loopback) and then the stream's own bounded buffer are full: the server must cut
        # the stalled stream, while the healthy one keeps receiving every notification.
        ids: list[str] = []
        cut = False
        for batch in range(60):
            for i in range(100):
                ids += await send(op, account.username, f"big {batch}.{i}", content="x" * 5000)
            await healthy.wait_notifications(len(ids), timeout=20)
            if (await _stats(op))["userClientCounts"].get(me) == 1:
                cut = True
                break
        assert cut, "stalled stream was never cut off"
        assert healthy.notification_ids() == ids
        assert not healthy.ended.is_set()
    finally:
        stalled.close()
        await healthy.close()


async def test_max_connection_age_ends_the_stream_cleanly(tmp_root, transport):
    server = ApiServer(
        tmp_root / f"maxage-{transport}", {"NC_MAX_CONNECTION_AGE_SECONDS": "1.5", "NC_PING_INTERVAL_SECONDS": "5"}
    )
    server.start()
    try:
        server.create_user("aged", "aged-password")
        async with server.async_login("aged", "aged-password") as client:
            reader = await StreamReader(client, transport=transport).start()
            start = time.monotonic()
            await asyncio.wait_for(reader.ended.wait(), timeout=6)
            assert 1.2 <= time.monotonic() - start <= 4
            assert reader.events[0].type == "connected"
            if transport == "websocket":
                assert reader.close_code == 4000 and reader.close_reason.startswith("age limit")
    finally:
        server.stop()


@pytest.mark.slow
async def test_replay_of_a_long_backlog_is_complete_right_away(tmp_root, transport):
    """More than one replay page (500) missed: all of it arrives at once, not a page now and
    the rest at the next ping (30 s here)."""
    server = ApiServer(tmp_root / f"backlog-{transport}", {"NC_PING_INTERVAL_SECONDS": "30"})
    server.start()
    try:
        server.create_user("backlog", "backlog-password")
        server.create_user("backlog-op", "backlog-password", role="operator")
        async with (
            server.async_login("backlog", "backlog-password") as client,
            server.async_login("backlog-op", "backlog-password") as op,
        ):
            sent = []
            for i in range(520):
                sent += await send(op, "backlog", f"n{i}")
            reader = await StreamReader(client, transport=transport, last_event_id="0").start()
            try:
                assert await reader.wait_notifications(520, timeout=10) == sent
            finally:
                await reader.close()
    finally:
        server.stop()


async def test_non_ascii_digit_cursor_is_treated_as_malformed(alice, transport):
    _, client = alice
    reader = await StreamReader(client, transport=transport, last_event_id="²", use_query=True).start()
    try:
        await reader.wait_for(lambda r: r.events)
        assert reader.status == 200
        assert reader.events[0].type == "connected"
        assert reader.events[0].data["resumed"] is False
    finally:
        await reader.close()
