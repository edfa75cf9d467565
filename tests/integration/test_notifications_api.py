"""The notifications REST routes over real HTTP: listing, read state, sending, stats."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest

from tests.conftest import Account
from tests.support.api_server import ApiServer
from tests.support.processes import AppServer
from tests.support.sse import StreamReader


def send(op: httpx.Client, recipients, title: str = "Hi", **extra) -> httpx.Response:
    return op.post("/api/notifications", json={"title": title, "recipients": recipients, **extra})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/notifications"),
        ("POST", "/api/notifications"),
        ("POST", "/api/notifications/read-all"),
        ("POST", "/api/notifications/notif_x/read"),
        ("GET", "/api/notifications/stats"),
    ],
)
def test_every_route_needs_a_session(app_server, method, path):
    r = httpx.request(method, app_server.url + path, json={})
    assert r.status_code == 401
    assert r.json()["error"]


def test_pagination_newest_first_without_overlaps(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    sent = [send(operator, [user.username], f"n{i}").json()["ids"][0] for i in range(7)]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"before": cursor} if cursor else {})
        page = client.get("/api/notifications", params=params).json()
        seen += [item["id"] for item in page["items"]]
        assert page["unreadCount"] == 7
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(sent))


def test_unread_filter_and_total_unread_count(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    ids = send(operator, [user.username], "a").json()["ids"] + send(operator, [user.username], "b").json()["ids"]
    assert client.post(f"/api/notifications/{ids[0]}/read").status_code == 200

    unread = client.get("/api/notifications", params={"unread": "true"}).json()
    assert [i["id"] for i in unread["items"]] == [ids[1]]
    assert unread["unreadCount"] == 1
    everything = client.get("/api/notifications").json()
    assert len(everything["items"]) == 2
    assert everything["unreadCount"] == 1


def test_mark_read_returns_the_updated_notification(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    (nid,) = send(operator, [user.username]).json()["ids"]
    r = client.post(f"/api/notifications/{nid}/read")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == nid
    assert body["status"] == "read"
    assert body["readAt"] is not None
    assert body["updatedAt"] >= body["createdAt"]
    again = client.post(f"/api/notifications/{nid}/read")  # idempotent
    assert again.status_code == 200 and again.json()["readAt"] == body["readAt"]


def test_another_users_notification_is_404_and_unchanged(sign_in, make_account, operator):
    owner, intruder = make_account(), make_account()
    (nid,) = send(operator, [owner.username]).json()["ids"]
    r = sign_in(intruder).post(f"/api/notifications/{nid}/read")
    assert r.status_code == 404
    assert r.json()["error"]
    assert sign_in(owner).get("/api/notifications").json()["items"][0]["readAt"] is None
    assert sign_in(intruder).get("/api/notifications").json()["items"] == []


def test_read_all(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    for i in range(3):
        send(operator, [user.username], f"x{i}")
    assert client.post("/api/notifications/read-all").json() == {"updated": 3}
    assert client.get("/api/notifications").json()["unreadCount"] == 0
    assert client.post("/api/notifications/read-all").json() == {"updated": 0}


def test_send_deduplicates_recipients_and_all_means_everyone(app_server, sign_in, make_account, operator):
    user = make_account()
    r = send(operator, [user.username, user.username])
    assert r.status_code == 201
    assert r.json()["count"] == 1 and len(r.json()["ids"]) == 1

    everyone = send(operator, "all", "broadcast")
    assert everyone.status_code == 201
    # Every account on the server, operators included, got exactly one.
    assert everyone.json()["count"] == len(set(everyone.json()["ids"])) >= 2
    titles = [i["title"] for i in sign_in(user).get("/api/notifications").json()["items"]]
    assert titles.count("broadcast") == 1


def test_non_operators_cannot_send_or_see_stats(sign_in, make_account):
    client = sign_in(make_account())
    assert send(client, "all").status_code == 403
    assert client.get("/api/notifications/stats").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipients": "all"}, "title"),
        ({"title": "", "recipients": "all"}, "title"),
        ({"title": "x" * 201, "recipients": "all"}, "title"),
        ({"title": "t", "content": "x" * 5001, "recipients": "all"}, "content"),
        ({"title": "t", "type": "nope", "recipients": "all"}, "type"),
        ({"title": "t", "priority": "nope", "recipients": "all"}, "priority"),
        ({"title": "t"}, "recipients"),
        ({"title": "t", "recipients": []}, "recipients"),
        ({"title": "t", "recipients": "everybody"}, "recipients"),
        ({"title": "t", "recipients": [42]}, "recipients"),
    ],
)
def test_invalid_send_is_422_naming_the_field(operator, body, field):
    r = operator.post("/api/notifications", json=body)
    assert r.status_code == 422
    assert r.json()["field"] == field
    assert r.json()["error"].startswith(field)


def test_non_json_and_non_object_bodies(operator):
    r = operator.post("/api/notifications", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422)
    assert "JSON" in r.json()["error"]
    assert operator.post("/api/notifications", json=["a"]).status_code == 422


def test_unknown_recipient_is_422_naming_it_and_nothing_is_sent(sign_in, make_account, operator):
    user = make_account()
    r = send(operator, [user.username, "no-such-user-1"], "should not arrive")
    assert r.status_code == 422
    assert "no-such-user-1" in r.json()["error"]
    assert r.json()["unknown"] == ["no-such-user-1"]
    assert sign_in(user).get("/api/notifications").json()["items"] == []


def test_title_and_content_are_stored_verbatim_as_plain_text(sign_in, make_account, operator):
    user = make_account()
    title = "<script>alert(1)</script> & <b>bold</b>"
    send(operator, [user.username], title, content="line1\nline2 <i>x</i>")
    item = sign_in(user).get("/api/notifications").json()["items"][0]
    assert item["title"] == title
    assert item["content"] == "line1\nline2 <i>x</i>"


def test_bad_query_parameters_are_422(sign_in, make_account):
    client = sign_in(make_account())
    for params, field in (
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"before": "x"}, "before"),
        ({"unread": "maybe"}, "unread"),
    ):
        r = client.get("/api/notifications", params=params)
        assert r.status_code == 422, params
        assert r.json()["field"] == field


async def test_marking_read_tells_the_users_other_tabs(app_server, make_account):
    user = make_account()
    op_account = make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(user.username, user.password) as tab,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        ids = (await op.post("/api/notifications", json={"title": "t", "recipients": [user.username]})).json()["ids"]
        await op.post("/api/notifications", json={"title": "t2", "recipients": [user.username]})
        other_tab = await StreamReader(tab).start()
        try:
            await other_tab.wait_for(lambda r: r.events)
            assert (await tab.post(f"/api/notifications/{ids[0]}/read")).status_code == 200
            await other_tab.wait_for(lambda r: r.of_type("read"))
            assert other_tab.of_type("read")[0].data == {"ids": ids, "unreadCount": 1, "unseenCount": 1}
            assert (await tab.post("/api/notifications/read-all")).json() == {"updated": 1}
            await other_tab.wait_for(lambda r: len(r.of_type("read")) == 2)
            assert other_tab.of_type("read")[1].data == {
                "upTo": other_tab.last_cursor(),
                "unreadCount": 0,
                "unseenCount": 0,
            }
        finally:
            await other_tab.close()
            await asyncio.sleep(0)


async def _parallel_reads_change_once(server: AppServer, user: Account, op_account: Account) -> None:
    async with (
        server.async_login(user.username, user.password) as tab,
        server.async_login(op_account.username, op_account.password) as op,
    ):
        send = {"title": "once", "recipients": [user.username]}
        ids = [(await op.post("/api/notifications", json=send)).json()["ids"][0] for _ in range(6)]
        stream = await StreamReader(tab).start()
        try:
            await stream.wait_for(lambda r: r.of_type("connected"))
            for nid in ids:
                answers = await asyncio.gather(*(tab.post(f"/api/notifications/{nid}/read") for _ in range(25)))
                assert {a.status_code for a in answers} == {200}
                assert len({a.json()["readAt"] for a in answers}) == 1  # the first time stays
            # A fence: a notification sent after every answer arrives after any read event.
            fence = (await op.post("/api/notifications", json={**send, "title": "fence"})).json()["ids"]
            await stream.wait_for(lambda r: fence[0] in r.notification_ids())
            read_events = [e.data for e in stream.of_type("read")]
            assert [e["ids"] for e in read_events] == [[nid] for nid in ids]  # one each, in order
            assert [e["unreadCount"] for e in read_events] == [5, 4, 3, 2, 1, 0]
        finally:
            await stream.close()
            await asyncio.sleep(0)


async def test_parallel_mark_read_changes_once_and_tells_the_tabs_once(app_server, make_account):
    await _parallel_reads_change_once(app_server, make_account(), make_account(role="operator", prefix="op"))


async def test_parallel_mark_read_changes_once_on_postgresql(tmp_root, postgres_server):
    # PostgreSQL runs the parallel transactions truly at once: where the old read-then-write
    # showed the race (several `readAt`s, several events for one notification).
    url = postgres_server.create_database(f"reads_{secrets.token_hex(4)}")
    server = ApiServer(tmp_root / f"reads-{secrets.token_hex(3)}", {"REFLEX_DB_URL": url}).start()
    try:
        user, op_account = Account("reader", "reader-password", "user"), Account("op", "op-password", "operator")
        for account in (user, op_account):
            server.create_user(account.username, account.password, account.role)
        await _parallel_reads_change_once(server, user, op_account)
    finally:
        server.stop()


async def test_read_all_sends_a_bound_not_every_id(app_server, make_account):
    user = make_account()
    op_account = make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(user.username, user.password) as tab,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        for n in range(30):
            await op.post("/api/notifications", json={"title": f"n{n}", "recipients": [user.username]})
        stream = await StreamReader(tab).start()
        try:
            await stream.wait_for(lambda r: r.of_type("connected"))
            latest = stream.of_type("connected")[0].id
            answers = await asyncio.gather(*(tab.post("/api/notifications/read-all") for _ in range(4)))
            assert sorted(a.json()["updated"] for a in answers) == [0, 0, 0, 30]
            fence = (await op.post("/api/notifications", json={"title": "new", "recipients": [user.username]})).json()
            await stream.wait_for(lambda r: fence["ids"][0] in r.notification_ids())
            # One small event however many there were, and only from the call that changed them.
            assert [e.data for e in stream.of_type("read")] == [{"upTo": latest, "unreadCount": 0, "unseenCount": 0}]
            listing = (await tab.get("/api/notifications", params={"limit": 100})).json()
            assert listing["unreadCount"] == 1  # the one sent afterwards
            assert [i["id"] for i in listing["items"] if i["readAt"] is None] == fence["ids"]
        finally:
            await stream.close()
            await asyncio.sleep(0)


@pytest.mark.parametrize("params", [{"limit": "²"}, {"limit": "١٢"}, {"before": "²"}, {"before": "١٢٣"}])
def test_non_ascii_digits_are_rejected_not_crashed_on(sign_in, make_account, params):
    r = sign_in(make_account()).get("/api/notifications", params=params)
    assert r.status_code == 422
    assert r.json()["field"] in params


@pytest.mark.parametrize("bad_id", ["notif_%00", "x" * 300, "notif_zz", "%F0%9F%98%80"])
def test_malformed_notification_ids_are_404(sign_in, make_account, bad_id):
    assert sign_in(make_account()).post(f"/api/notifications/{bad_id}/read").status_code == 404


@pytest.mark.parametrize(
    ("raw", "status", "needle"),
    [
        (b"[" * 60000, 400, "nested"),
        (b'{"title": "a\\u0000b", "recipients": "all"}', 422, "NUL"),
        (b'{"title": "\\ud800", "recipients": "all"}', 422, "surrogate"),
    ],
)
def test_bodies_that_cannot_be_stored_are_4xx(operator, raw, status, needle):
    r = operator.post("/api/notifications", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert needle in r.json()["error"]


def test_json_must_be_sent_as_application_json(operator):
    body = b'{"title": "t", "recipients": "all"}'
    r = operator.post("/api/notifications", content=body, headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert "application/json" in r.json()["error"]


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_cross_site_posts_are_refused(app_server, operator, make_account, site):
    headers = {"sec-fetch-site": site}
    r = operator.post("/api/notifications", json={"title": "csrf", "recipients": "all"}, headers=headers)
    assert r.status_code == 403
    account = make_account()
    login = httpx.post(
        app_server.url + "/api/auth/login",
        json={"username": account.username, "password": account.password},
        headers=headers,
    )
    assert login.status_code == 403
    assert "set-cookie" not in login.headers
    # Same-origin browser requests and non-browser clients pass.
    ok = operator.post(
        "/api/notifications",
        json={"title": "t", "recipients": [account.username]},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert ok.status_code == 201
