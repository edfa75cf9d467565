"""The sent history over real HTTP: who may read it, its filters and paging, bad input,
and figures that match what the recipients' streams actually received."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.sse import StreamReader


def _send(op, recipients, title: str, **fields) -> list[str]:
    r = op.post("/api/notifications", json={"title": title, "recipients": recipients, **fields})
    assert r.status_code == 201, r.text
    return r.json()["ids"]


def _mine(op, op_name: str, **params) -> list[dict]:
    r = op.get("/api/history", params={"sender": op_name, **params})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_history_is_for_operators_only(app_server, sign_in, make_account):
    user = sign_in(make_account())
    for path in ("/api/history", "/api/history/send_000000000000000000000000"):
        anonymous = httpx.get(app_server.url + path, timeout=10)
        assert anonymous.status_code == 401 and anonymous.json()["error"]
        forbidden = user.get(path)
        assert forbidden.status_code == 403 and forbidden.json()["error"] == "operators only"


def test_each_send_is_one_row_naming_its_sender(make_account, sign_in):
    op_account = make_account(role="operator", prefix="op")
    op = sign_in(op_account)
    alice, bob = make_account(), make_account()
    _send(op, [alice.username, bob.username], "Deploy at 17:00", type="warning")
    _send(op, [alice.username], "Done", type="success")

    items = _mine(op, op_account.username)
    assert [i["title"] for i in items] == ["Done", "Deploy at 17:00"]  # newest first
    first = items[1]
    assert first["sender"]["kind"] == "user" and first["sender"]["label"] == op_account.username
    assert first["sender"]["id"].startswith("user_")
    assert (first["type"], first["recipients"], first["delivered"], first["seen"], first["read"]) == (
        "warning",
        2,
        0,
        0,
        0,
    )
    # A send that fails (unknown recipient) leaves no history row.
    r = op.post("/api/notifications", json={"title": "nope", "recipients": [alice.username, "no-such-user-x"]})
    assert r.status_code == 422
    assert len(_mine(op, op_account.username)) == 2


def test_a_key_send_names_the_key(app_server, operator, make_account):
    user = make_account()
    name = f"svc-{secrets.token_hex(3)}"
    key = operator.post("/api/keys", json={"name": name})
    assert key.status_code == 201, key.text
    body = {"title": "from a service", "recipients": [user.username]}
    sent = httpx.post(
        app_server.url + "/api/notifications", json=body, headers={"Authorization": f"Bearer {key.json()['secret']}"}
    )
    assert sent.status_code == 201, sent.text
    (row,) = _mine(operator, name)
    assert row["sender"] == {"kind": "key", "id": key.json()["id"], "label": name}
    assert _mine(operator, name, senderKind="key") == [row]
    assert _mine(operator, name, senderKind="user") == []


def test_filters_and_paging(make_account, sign_in):
    op_account = make_account(role="operator", prefix="op")
    op = sign_in(op_account)
    user = make_account()
    for i, kind in enumerate(["info", "alert", "info"]):
        _send(op, [user.username], f"t{i}", type=kind)

    assert [i["title"] for i in _mine(op, op_account.username, type="info")] == ["t2", "t0"]
    assert [i["title"] for i in _mine(op, op_account.username, type="alert", senderKind="user")] == ["t1"]
    assert _mine(op, op_account.username, senderKind="system") == []
    now = datetime.now(UTC)
    later = (now + timedelta(hours=1)).isoformat()
    earlier = (now - timedelta(hours=1)).isoformat()
    assert len(_mine(op, op_account.username, **{"from": earlier, "to": later})) == 3
    assert _mine(op, op_account.username, **{"from": later}) == []
    assert _mine(op, op_account.username, to=earlier) == []
    assert len(_mine(op, op_account.username, **{"from": now.date().isoformat()})) == 3  # a date alone is UTC midnight

    first = op.get("/api/history", params={"sender": op_account.username, "limit": 2}).json()
    assert [i["title"] for i in first["items"]] == ["t2", "t1"] and first["nextCursor"]
    second = op.get(
        "/api/history", params={"sender": op_account.username, "limit": 2, "before": first["nextCursor"]}
    ).json()
    assert [i["title"] for i in second["items"]] == ["t0"] and second["nextCursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"type": "bogus"}, "type"),
        ({"senderKind": "robot"}, "senderKind"),
        ({"sender": ""}, "sender"),
        ({"sender": "x" * 65}, "sender"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"before": "not-a-cursor"}, "before"),
    ],
)
def test_bad_history_parameters_are_422_naming_them(operator, params, field):
    r = operator.get("/api/history", params=params)
    assert r.status_code == 422, (params, r.text)
    assert r.json()["field"] == field and field in r.json()["error"]


def test_detail_answers_404_and_422(operator, make_account):
    assert operator.get("/api/history/send_000000000000000000000000").status_code == 404
    assert operator.get("/api/history/nonsense").status_code == 404
    user = make_account()
    _send(operator, [user.username], "one")
    send_id = operator.get("/api/history", params={"limit": 1}).json()["items"][0]["id"]
    r = operator.get(f"/api/history/{send_id}", params={"limit": "0"})
    assert r.status_code == 422 and r.json()["field"] == "limit"


async def _figures(op, send_id: str, want: tuple[int, int, int], timeout: float = 10) -> dict:
    """The detail once its figures are `want` (deliveries are flushed about every second)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        detail = (await op.get(f"/api/history/{send_id}")).json()
        got = (detail["send"]["delivered"], detail["send"]["seen"], detail["send"]["read"])
        if got == want or asyncio.get_running_loop().time() > deadline:
            return detail
        await asyncio.sleep(0.2)


async def _own_id(client) -> str:
    return (await client.get("/api/notifications")).json()["items"][0]["id"]


async def test_figures_match_what_the_streams_received(app_server, make_account):
    """Online recipients (live stream), offline ones who connect later (replay counts as
    delivered), one who never connects; some see, some read. The figures are exactly those."""
    op_account = make_account(role="operator", prefix="op")
    online_a, online_b, later_c, later_d, never_e = (make_account() for _ in range(5))
    everyone = [online_a, online_b, later_c, later_d, never_e]
    logins = [app_server.async_login(x.username, x.password) for x in [op_account, *everyone[:4]]]
    async with logins[0] as op, logins[1] as a, logins[2] as b, logins[3] as c, logins[4] as d:
        readers = [await StreamReader(a).start(), await StreamReader(b).start()]
        try:
            r = await op.post(
                "/api/notifications", json={"title": "figures", "recipients": [x.username for x in everyone]}
            )
            assert r.status_code == 201
            for reader in readers:
                await reader.wait_notifications(1)
            send_id = (await op.get("/api/history", params={"sender": op_account.username})).json()["items"][0]["id"]
            detail = await _figures(op, send_id, (2, 0, 0))
            assert (detail["send"]["delivered"], detail["send"]["seen"], detail["send"]["read"]) == (2, 0, 0)

            # C and D were offline: they connect now, resuming from before the send (replay).
            late = [await StreamReader(c, last_event_id="0").start(), await StreamReader(d).start()]
            readers += late
            for reader in late:
                await reader.wait_for(lambda r: r.of_type("connected"))
            await late[0].wait_notifications(1)
            assert late[1].notification_ids() == []  # a fresh connection replays nothing
            # B reads it, A only sees it; E never connects, so never gets it.
            assert (await b.post(f"/api/notifications/{await _own_id(b)}/read")).status_code == 200
            assert (await a.post(f"/api/notifications/{await _own_id(a)}/seen")).status_code == 200
            # D reads it through the list without any stream having written it: read, not delivered.
            assert (await d.post(f"/api/notifications/{await _own_id(d)}/read")).status_code == 200

            received = {x.username for x, rd in zip(everyone[:3], readers, strict=False) if rd.notification_ids()}
            assert received == {online_a.username, online_b.username, later_c.username}
            detail = await _figures(op, send_id, (3, 3, 2))
            assert (detail["send"]["delivered"], detail["send"]["seen"], detail["send"]["read"]) == (3, 3, 2)
            per = {row["username"]: row for row in detail["recipients"]}
            assert set(per) == {x.username for x in everyone}
            assert {u for u, row in per.items() if row["deliveredAt"]} == received
            assert {u for u, row in per.items() if row["readAt"]} == {online_b.username, later_d.username}
            assert {u for u, row in per.items() if row["seenAt"]} == {
                online_a.username,
                online_b.username,
                later_d.username,
            }
            assert per[never_e.username]["deliveredAt"] is None
        finally:
            for reader in readers:
                await reader.close()
