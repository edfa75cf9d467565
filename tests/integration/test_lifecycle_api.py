"""Archive, unarchive, delete, bulk and undo over real HTTP against the real app:
owner scoping, 404s, 422s naming the field, undo semantics (per-row previous values,
single use, foreign tokens, expiry with a short window), and PostgreSQL."""

from __future__ import annotations

import secrets
import sqlite3
import time

import httpx
import pytest

from tests.conftest import Account
from tests.support.api_server import ApiServer


def _send(op: httpx.Client, username: str, title: str = "n") -> str:
    r = op.post("/api/notifications", json={"title": title, "recipients": [username]})
    assert r.status_code == 201, r.text
    return r.json()["ids"][0]


def _page(client: httpx.Client, **params) -> dict:
    r = client.get("/api/notifications", params={"limit": 100, **params})
    assert r.status_code == 200, r.text
    return r.json()


def _ids(client: httpx.Client, **params) -> list[str]:
    return [item["id"] for item in _page(client, **params)["items"]]


def _badges(client: httpx.Client) -> tuple[int, int]:
    page = _page(client)
    return page["unreadCount"], page["unseenCount"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/notifications/notif_x/archive"),
        ("POST", "/api/notifications/notif_x/unarchive"),
        ("DELETE", "/api/notifications/notif_x"),
        ("POST", "/api/notifications/bulk"),
        ("POST", "/api/notifications/undo"),
    ],
)
def test_every_lifecycle_route_needs_a_session(app_server, method, path):
    r = httpx.request(method, app_server.url + path, json={"action": "read", "ids": []})
    assert r.status_code == 401 and r.json()["error"]


def test_archive_moves_a_row_to_the_archived_view_and_back(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    keep, shelve = _send(operator, user.username, "keep"), _send(operator, user.username, "shelve")

    r = client.post(f"/api/notifications/{shelve}/archive")
    assert r.status_code == 200 and r.json()["archivedAt"] and r.json()["id"] == shelve
    assert client.post(f"/api/notifications/{shelve}/archive").json()["archivedAt"] == r.json()["archivedAt"]
    assert _ids(client) == [keep]
    assert _ids(client, archived="true") == [shelve]
    assert _badges(client) == (1, 1)  # the badges count the inbox only

    r = client.post(f"/api/notifications/{shelve}/unarchive")
    assert r.status_code == 200 and r.json()["archivedAt"] is None
    assert _ids(client) == [shelve, keep] and _ids(client, archived="true") == []
    assert _badges(client) == (2, 2)


def test_lifecycle_routes_are_scoped_to_the_owner(sign_in, make_account, operator):
    owner, stranger = make_account(), make_account()
    mine = _send(operator, owner.username)
    other = sign_in(stranger)
    for method, path in (
        ("POST", f"/api/notifications/{mine}/archive"),
        ("POST", f"/api/notifications/{mine}/unarchive"),
        ("DELETE", f"/api/notifications/{mine}"),
        ("POST", "/api/notifications/notif_0123abcd/archive"),
        ("DELETE", "/api/notifications/not-an-id"),
    ):
        r = other.request(method, path)
        assert r.status_code == 404 and r.json()["error"], (method, path)
    # A bulk action naming someone else's id changes nothing and says so.
    r = other.post("/api/notifications/bulk", json={"action": "delete", "ids": [mine]})
    assert r.json() == {"updated": 0, "undoToken": None}
    assert _ids(sign_in(owner)) == [mine]


def test_deleted_rows_are_gone_for_the_user_but_kept(sign_in, make_account, operator, app_server):
    user = make_account()
    client = sign_in(user)
    gone, stays = _send(operator, user.username, "gone"), _send(operator, user.username, "stays")
    r = client.delete(f"/api/notifications/{gone}")
    assert r.status_code == 200 and r.json() == {"id": gone, "deleted": True}
    assert _ids(client) == [stays] and _ids(client, archived="true") == []
    assert _badges(client) == (1, 1)
    # Not found to every route from now on.
    assert client.delete(f"/api/notifications/{gone}").status_code == 404
    for action in ("read", "seen", "archive", "unarchive"):
        assert client.post(f"/api/notifications/{gone}/{action}").status_code == 404, action
    assert client.post("/api/notifications/bulk", json={"action": "read", "ids": [gone]}).json()["updated"] == 0
    assert client.post("/api/notifications/read-all").json()["updated"] == 1  # only `stays`
    # The row is still in the database, marked, for audit.
    with sqlite3.connect(app_server.workdir / "app.db") as db:
        query = "SELECT deleted_at, read_at FROM nc_notifications WHERE id = ?"
        deleted_at, read_at = db.execute(query, (gone,)).fetchone()
    assert deleted_at is not None and read_at is None


def test_bulk_by_ids_changes_exactly_the_users_matching_rows(sign_in, make_account, operator):
    user, stranger = make_account(), make_account()
    client = sign_in(user)
    a, b, c = (_send(operator, user.username, t) for t in "abc")
    foreign = _send(operator, stranger.username)
    assert client.post(f"/api/notifications/{a}/read").status_code == 200

    r = client.post("/api/notifications/bulk", json={"action": "read", "ids": [a, b, foreign, "nonsense", b]})
    assert r.status_code == 200
    assert r.json()["updated"] == 1 and r.json()["undoToken"]  # only b: a was read, foreign is not theirs
    assert _badges(client) == (1, 1)
    assert _badges(sign_in(stranger)) == (1, 1)

    for action, expected in (("unread", 2), ("seen", 1), ("archive", 3), ("unarchive", 3), ("delete", 3)):
        r = client.post("/api/notifications/bulk", json={"action": action, "ids": [a, b, c]})
        assert r.status_code == 200 and r.json()["updated"] == expected, (action, r.json())
    assert _ids(client) == [] and _badges(client) == (0, 0)


def test_bulk_by_filter_acts_on_the_view_it_names(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    old_read, inbox_unread, archived_read, archived_unread = (_send(operator, user.username, t) for t in "1234")
    client.post(f"/api/notifications/{old_read}/read")
    client.post(f"/api/notifications/{archived_read}/read")
    client.post("/api/notifications/bulk", json={"action": "archive", "ids": [archived_read, archived_unread]})

    # "Archive all read" in the inbox: the archived read one is not in the inbox view.
    r = client.post("/api/notifications/bulk", json={"action": "archive", "filter": {"unread": False}})
    assert r.json()["updated"] == 2  # old_read and inbox_unread: everything in the inbox
    client.post("/api/notifications/undo", json={"undoToken": r.json()["undoToken"]})

    # "Delete all" in the Archived view: the inbox stays.
    r = client.post("/api/notifications/bulk", json={"action": "delete", "filter": {"archived": True}})
    assert r.json()["updated"] == 2
    assert sorted(_ids(client)) == sorted([old_read, inbox_unread]) and _ids(client, archived="true") == []

    # unread / category / before narrow it like the list does.
    r = client.post("/api/notifications/bulk", json={"action": "read", "filter": {"category": "billing"}})
    assert r.json() == {"updated": 0, "undoToken": None}
    newest_cursor = _page(client, limit=1)["nextCursor"]  # the cursor of inbox_unread
    r = client.post("/api/notifications/bulk", json={"action": "archive", "filter": {"before": newest_cursor}})
    assert r.json()["updated"] == 1 and _ids(client) == [inbox_unread]
    r = client.post("/api/notifications/bulk", json={"action": "seen", "filter": {"unseen": True, "unread": True}})
    assert r.json()["updated"] == 1 and _badges(client) == (1, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "explode", "ids": []}, "action"),
        ({"ids": []}, "action"),
        ({"action": "read"}, "ids"),
        ({"action": "read", "ids": [], "filter": {}}, "filter"),
        ({"action": "read", "filter": {"colour": "red"}}, "filter.colour"),
        ({"action": "read", "filter": {"unread": "yes"}}, "filter.unread"),
        ({"action": "read", "filter": {"before": "soon"}}, "filter.before"),
        ({"action": "read", "filter": {"category": "Not A Slug"}}, "filter.category"),
        ({"action": "read", "ids": ["notif_1"] * 501}, "ids"),
        ({"action": "read", "ids": "notif_1"}, "ids"),
        ({"action": "read", "ids": [], "extra": 1}, "extra"),
        (["read"], "body"),
    ],
)
def test_bad_bulk_requests_are_422_naming_the_field_and_change_nothing(sign_in, make_account, operator, body, field):
    user = make_account()
    client = sign_in(user)
    _send(operator, user.username)
    r = client.post("/api/notifications/bulk", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and field in r.json()["error"]
    assert _badges(client) == (1, 1)


def test_undo_restores_each_rows_previous_values(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    seen_before, fresh, read_before = (_send(operator, user.username, t) for t in ("seen", "fresh", "read"))
    seen_at = client.post(f"/api/notifications/{seen_before}/seen").json()["seenAt"]
    read_at = client.post(f"/api/notifications/{read_before}/read").json()["readAt"]

    r = client.post("/api/notifications/bulk", json={"action": "read", "filter": {}})
    assert r.json()["updated"] == 2
    assert _badges(client) == (0, 0)
    r = client.post("/api/notifications/undo", json={"undoToken": r.json()["undoToken"]})
    assert r.status_code == 200 and r.json() == {"updated": 2}
    rows = {item["id"]: item for item in _page(client)["items"]}
    assert rows[seen_before]["readAt"] is None and rows[seen_before]["seenAt"] == seen_at  # not blindly unseen
    assert rows[fresh]["readAt"] is None and rows[fresh]["seenAt"] is None
    assert rows[read_before]["readAt"] == read_at  # the bulk action did not touch it, nor does undo
    assert rows[fresh]["status"] == "sent"
    assert _badges(client) == (2, 1)


def test_undo_brings_deleted_rows_back(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    ids = [_send(operator, user.username, f"n{i}") for i in range(3)]
    token = client.post("/api/notifications/bulk", json={"action": "delete", "filter": {}}).json()["undoToken"]
    assert _ids(client) == []
    assert client.post("/api/notifications/undo", json={"undoToken": token}).json() == {"updated": 3}
    assert _ids(client) == ids[::-1] and _badges(client) == (3, 3)


def test_undo_tokens_are_single_use_and_the_users_own(sign_in, make_account, operator):
    user, stranger = make_account(), make_account()
    client, other = sign_in(user), sign_in(stranger)
    _send(operator, user.username)
    token = client.post("/api/notifications/bulk", json={"action": "archive", "filter": {}}).json()["undoToken"]

    r = other.post("/api/notifications/undo", json={"undoToken": token})
    assert r.status_code == 404 and r.json()["field"] == "undoToken"
    assert _ids(client) == []  # the stranger's attempt changed nothing (and did not use it up)

    assert client.post("/api/notifications/undo", json={"undoToken": token}).status_code == 200
    assert len(_ids(client)) == 1
    client.post("/api/notifications/bulk", json={"action": "archive", "filter": {}})  # archived again
    r = client.post("/api/notifications/undo", json={"undoToken": token})
    assert r.status_code == 409 and r.json()["field"] == "undoToken" and "used" in r.json()["error"]
    assert _ids(client) == []  # the second use restored nothing

    for bad, status in (("made-up", 404), ("", 422), (7, 422)):
        r = client.post("/api/notifications/undo", json={"undoToken": bad})
        assert r.status_code == status and r.json()["field"] == "undoToken", bad
    r = client.post("/api/notifications/undo", json={})
    assert r.status_code == 422 and r.json()["field"] == "undoToken"


@pytest.fixture(scope="module")
def short_undo_on_postgres(tmp_root, postgres_server):
    """The API on PostgreSQL with a one-second undo window."""
    url = postgres_server.create_database(f"undo_{secrets.token_hex(4)}")
    env = {"REFLEX_DB_URL": url, "NC_UNDO_WINDOW_SECONDS": "1"}
    server = ApiServer(tmp_root / f"undo-{secrets.token_hex(3)}", env).start()
    accounts = [Account("alice", "alice-password", "user"), Account("op", "op-password", "operator")]
    for account in accounts:
        server.create_user(account.username, account.password, account.role)
    yield server, accounts
    server.stop()


def test_an_expired_undo_token_is_refused_and_changes_nothing(short_undo_on_postgres):
    server, (user, op_account) = short_undo_on_postgres
    client, op = server.login(user.username, user.password), server.login(op_account.username, op_account.password)
    try:
        ids = [_send(op, user.username, f"n{i}") for i in range(3)]
        r = client.post("/api/notifications/bulk", json={"action": "delete", "ids": ids[:2]})
        assert r.json()["updated"] == 2
        time.sleep(1.3)
        r = client.post("/api/notifications/undo", json={"undoToken": r.json()["undoToken"]})
        assert r.status_code == 410 and r.json()["field"] == "undoToken" and "expired" in r.json()["error"]
        assert _ids(client) == [ids[2]]
        # Within the window it works, on PostgreSQL too (INSERT ... SELECT ... FOR UPDATE, UPDATE ... FROM).
        token = client.post("/api/notifications/bulk", json={"action": "read", "filter": {}}).json()["undoToken"]
        assert client.post("/api/notifications/undo", json={"undoToken": token}).json() == {"updated": 1}
        assert _badges(client) == (1, 1)
    finally:
        client.close()
        op.close()
