"""What only the WebSocket stream has: its door (Origin, upgrade), the first-message resume,
client messages (the REST routes' answers and events) and hostile clients.

The contract shared with SSE (auth, limit, replay, resume, revocation, age, slow reader,
shutdown) runs over both transports in test_stream.py and its neighbours. Here the API
alone is served by granian (tests/support/api_server.py): a second's start.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from notification_center.auth.users import upsert_user
from notification_center.db import make_engine
from tests.conftest import APP_ENV, Account
from tests.support.api_server import ApiServer
from tests.support.sse import StreamReader
from tests.support.ws import Closed, WebSocket

PATH = "/api/notifications/ws"


@pytest.fixture(scope="module")
def api(tmp_root: Path) -> Iterator[ApiServer]:
    env = {**APP_ENV, "NC_CORS_ORIGINS": "https://partner.example", "NC_PING_INTERVAL_SECONDS": "30"}
    server = ApiServer(tmp_root / "ws-api", env)
    server.start()
    server.create_user("ws-op", "ws-operator-pass", role="operator")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def make_account(api: ApiServer) -> Iterator[Callable[[], Account]]:
    """Fresh users written straight into the server's database: a CLI run per user would
    cost seconds of process start each."""
    engine = make_engine(api.env()["REFLEX_DB_URL"])

    def make() -> Account:
        account = Account(f"w{secrets.token_hex(4)}", secrets.token_urlsafe(12), "user")
        with Session(engine) as session:
            upsert_user(session=session, username=account.username, password=account.password)
            session.commit()
        return account

    yield make
    engine.dispose()


@pytest.fixture
async def user(api: ApiServer, make_account):
    """A fresh user (signed in) with two notifications, and an operator client."""
    account = make_account()
    async with (
        api.async_login(account.username, account.password) as client,
        api.async_login("ws-op", "ws-operator-pass") as op,
    ):
        r = await op.post("/api/notifications", json={"title": "one", "recipients": [account.username]})
        r2 = await op.post("/api/notifications", json={"title": "two", "recipients": [account.username]})
        yield client, [*r.json()["ids"], *r2.json()["ids"]], op


def cookie_of(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def open_socket(api: ApiServer, client: httpx.AsyncClient | None, query: str = "?lastEventId=", **kw):
    return await WebSocket.connect(api.url, PATH + query, cookie=cookie_of(client) if client else None, **kw)


async def next_envelope(socket: WebSocket, kind: str, within: float = 5) -> dict:
    deadline = time.monotonic() + within
    while True:
        body = json.loads(await asyncio.wait_for(socket.recv(), max(deadline - time.monotonic(), 0.01)))
        if body["type"] == kind:
            return body


async def closed_with(socket: WebSocket, within: float = 5) -> Closed:
    with pytest.raises(Closed) as closed:
        async with asyncio.timeout(within):
            while True:
                await socket.recv()
    return closed.value


async def inbox(client: httpx.AsyncClient) -> dict[str, dict]:
    return {n["id"]: n for n in (await client.get("/api/notifications?limit=100")).json()["items"]}


# -- the door ------------------------------------------------------------------------
async def test_without_a_session_the_socket_closes_4401(api):
    socket = await open_socket(api, None)
    closed = await closed_with(socket)
    assert (closed.code, closed.reason) == (4401, "unauthenticated: not signed in")


@pytest.mark.parametrize("origin", ["https://evil.example", "null"])
async def test_a_foreign_origin_closes_4403(api, user, origin):
    client, _, _ = user
    closed = await closed_with(await open_socket(api, client, origin=origin))
    assert closed.code == 4403 and closed.reason.startswith("origin refused")


async def test_listed_origins_and_clients_without_origin_are_let_in(api, user):
    client, _, _ = user
    for origin in ("https://partner.example", None):
        socket = await open_socket(api, client, origin=origin)
        assert (await next_envelope(socket, "connected"))["data"]["resumed"] is False
        await socket.close()


async def test_a_plain_get_is_426(api, user):
    client, _, _ = user
    r = await client.get(PATH)
    assert r.status_code == 426 and "WebSocket" in r.json()["error"]


def test_the_openapi_document_names_the_route(api):
    document = httpx.get(api.url + "/api/openapi.json").json()
    operation = document["paths"][PATH]["get"]
    assert "101" in operation["responses"] and "WebSocket" in operation["summary"]


async def test_without_query_or_resume_message_it_starts_fresh_after_a_short_wait(api, user):
    client, _, _ = user
    socket = await open_socket(api, client, query="")
    started = time.monotonic()
    connected = await next_envelope(socket, "connected")
    assert 0.5 <= time.monotonic() - started <= 4  # RESUME_WAIT_SECONDS, then fresh
    assert (connected["data"]["resumed"], connected["id"]) == (False, "2")
    await socket.close()


async def test_a_first_resume_message_replays_after_its_cursor(api, user):
    client, ids, _ = user
    socket = await open_socket(api, client, query="")
    await socket.send_text(json.dumps({"op": "resume", "lastEventId": "1"}))
    connected = await next_envelope(socket, "connected")
    assert (connected["data"]["resumed"], connected["id"]) == (True, "1")
    replayed = await next_envelope(socket, "notification")
    assert (replayed["data"]["id"], replayed["id"]) == (ids[1], "2")
    await socket.close()


# -- client messages -----------------------------------------------------------------
@pytest.mark.parametrize(
    "op, field, event",
    [("read", "readAt", "read"), ("seen", "seenAt", "seen"), ("archive", "archivedAt", "archived")],
)
async def test_actions_answer_like_rest_and_tell_every_stream(api, user, op, field, event):
    client, ids, _ = user
    other_tab = await StreamReader(client).start()  # an SSE stream of the same user
    socket = await open_socket(api, client)
    try:
        await next_envelope(socket, "connected")
        await socket.send_text(json.dumps({"op": op, "id": ids[0], "ref": "r1"}))
        reply = await next_envelope(socket, "reply")
        assert reply["data"]["status"] == 200 and reply["data"]["ref"] == "r1"
        assert reply["data"]["notification"][field] is not None
        rest = await client.post(f"/api/notifications/{ids[0]}/{op}")  # the same answer, now idempotent
        assert rest.status_code == 200 and rest.json()[field] == reply["data"]["notification"][field]
        await other_tab.wait_for(lambda r: r.of_type(event))
        assert ids[0] in json.dumps(other_tab.of_type(event)[0].data)
    finally:
        await socket.close()
        await other_tab.close()


async def test_another_users_notification_is_404_and_unchanged(api, user, make_account):
    client, _, op = user
    stranger = make_account()
    theirs = (await op.post("/api/notifications", json={"title": "x", "recipients": [stranger.username]})).json()
    socket = await open_socket(api, client)
    try:
        await next_envelope(socket, "connected")
        for action in ("read", "seen", "archive"):
            await socket.send_text(json.dumps({"op": action, "id": theirs["ids"][0]}))
            reply = await next_envelope(socket, "reply")
            assert reply["data"]["status"] == 404 and "notification" not in reply["data"]
    finally:
        await socket.close()
    async with api.async_login(stranger.username, stranger.password) as them:
        row = (await inbox(them))[theirs["ids"][0]]
    assert (row["readAt"], row.get("seenAt"), row.get("archivedAt")) == (None, None, None)


# -- hostile clients -----------------------------------------------------------------
HOSTILE = [
    ("not json", 4400, "bad message: not JSON"),
    ("[1, 2]", 4400, "bad message: not a JSON object"),
    ('{"op": 5, "id": "x"}', 4400, "bad message: op: must be a string"),
    ('{"op": "read", "id": 12}', 4400, "bad message: id: must be a notification id"),
    ('{"op": "read", "id": ["%s"]}', 4400, "bad message: id: must be a notification id"),
    ('{"op": "delete", "id": "%s"}', 4400, 'bad message: op: unknown op "delete"'),
    ('{"op": "resume", "lastEventId": "0"}', 4400, "bad message: resume only as the first message"),
    ('{"op": "read", "id": "%s", "pad": "' + "x" * 1_000_000 + '"}', 4413, "message too large"),
]


@pytest.mark.parametrize("message, code, reason", HOSTILE, ids=[h[2][:40] for h in HOSTILE])
async def test_hostile_messages_close_with_a_reason_and_change_nothing(api, user, message, code, reason):
    client, ids, _ = user
    before = await inbox(client)
    socket = await open_socket(api, client)
    await next_envelope(socket, "connected")
    await socket.send_text(message.replace("%s", ids[0]) if "%s" in message else message)
    closed = await closed_with(socket)
    assert closed.code == code and closed.reason.startswith(reason), (closed.code, closed.reason)
    assert await inbox(client) == before


async def test_a_binary_message_closes_4400(api, user):
    client, _, _ = user
    socket = await open_socket(api, client)
    await next_envelope(socket, "connected")
    await socket.send_bytes(b'{"op": "read"}')
    closed = await closed_with(socket)
    assert closed.code == 4400 and "binary" in closed.reason


async def test_a_flood_is_cut_off_at_the_message_rate(api, user):
    client, _, _ = user
    socket = await open_socket(api, client)
    await next_envelope(socket, "connected")
    # 20 at once are allowed, then 5 a second; the burst is all in the server's buffer
    # before it reads the first one.
    await socket.send_burst([json.dumps({"op": "read", "id": "notif_does_not_exist"})] * 200)
    closed = await closed_with(socket)
    assert closed.code == 4429 and closed.reason.startswith("message rate exceeded")
    assert all(n["readAt"] is None for n in (await inbox(client)).values())
    # The connection's slot was released: a new socket is admitted at once.
    again = await open_socket(api, client)
    assert (await next_envelope(again, "connected"))["type"] == "connected"
    await again.close()


async def test_a_websocket_delivery_is_stamped_in_the_sent_history(api, user):
    """The delivery stamps (history/delivery.py) come from the core, whichever writer wrote."""
    client, _, op = user
    socket = await open_socket(api, client)
    try:
        await next_envelope(socket, "connected")
        me = (await client.get("/api/auth/me")).json()["username"]
        await op.post("/api/notifications", json={"title": "stamped", "recipients": [me]})
        assert (await next_envelope(socket, "notification"))["data"]["title"] == "stamped"
        send_id = (await op.get("/api/history", params={"limit": 1})).json()["items"][0]["id"]
        deadline = time.monotonic() + 10  # the stamps are flushed about every second
        while (detail := (await op.get(f"/api/history/{send_id}")).json())["send"]["delivered"] != 1:
            assert time.monotonic() < deadline, detail["send"]
            await asyncio.sleep(0.2)
    finally:
        await socket.close()
