"""The inbox state table (notifications/states.py) over real HTTP on the real app: the cells
issue 20 found wrong, each answered as the table says and doing what it says."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.sse import StreamReader


def _ahead(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def _send(op: httpx.Client, username: str, **extra) -> str:
    r = op.post("/api/notifications", json={"title": "n", "recipients": [username], **extra})
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


def _row(app_server, notification_id: str) -> dict:
    with sqlite3.connect(app_server.workdir / "app.db") as db:
        db.row_factory = sqlite3.Row
        query = "SELECT read_at, seen_at, archived_at, snoozed_until, deleted_at FROM nc_notifications WHERE id = ?"
        return dict(db.execute(query, (notification_id,)).fetchone())


def _snoozed(client: httpx.Client, notification_id: str, seconds: float = 60) -> None:
    r = client.post(f"/api/notifications/{notification_id}/snooze", json={"until": _ahead(seconds)})
    assert r.status_code == 200, r.text


# -- snoozed --------------------------------------------------------------------------


def test_delete_of_a_snoozed_row_deletes_it(app_server, sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    one, two = _send(operator, user.username), _send(operator, user.username)
    _snoozed(client, one)
    _snoozed(client, two)
    r = client.delete(f"/api/notifications/{one}")
    assert r.status_code == 200 and r.json() == {"id": one, "deleted": True}, r.text
    assert _row(app_server, one)["deleted_at"] is not None
    r = client.post("/api/notifications/bulk", json={"action": "delete", "ids": [two]})
    assert r.status_code == 200 and r.json()["updated"] == 1
    assert client.post(f"/api/notifications/{one}/unsnooze").status_code == 404  # deleted: gone for every route
    assert _ids(client) == [] and _ids(client, archived="true") == [] and _badges(client) == (0, 0)


async def test_archive_of_a_snoozed_row_archives_it_and_ends_the_snooze(app_server, make_account, operator):
    user = make_account()
    one, two = _send(operator, user.username), _send(operator, user.username)
    async with app_server.async_login(user.username, user.password) as tab:
        reader = await StreamReader(tab).start()
        try:
            for notification_id in (one, two):
                r = await tab.post(f"/api/notifications/{notification_id}/snooze", json={"until": _ahead(1.5)})
                assert r.status_code == 200
            r = await tab.post(f"/api/notifications/{one}/archive")
            assert r.status_code == 200, r.text
            assert r.json()["archivedAt"] is not None and r.json()["snoozedUntil"] is None
            r = await tab.post("/api/notifications/bulk", json={"action": "archive", "ids": [two]})
            assert r.status_code == 200 and r.json()["updated"] == 1
            await reader.wait_for(lambda rd: len(rd.of_type("archived")) >= 2)
            await asyncio.sleep(2.5)  # past the snooze's time: neither comes back to the inbox
            page = (await tab.get("/api/notifications")).json()
            assert page["items"] == [] and (page["unreadCount"], page["unseenCount"]) == (0, 0)
            archived = (await tab.get("/api/notifications", params={"archived": "true"})).json()["items"]
            assert sorted(n["id"] for n in archived) == sorted([one, two])
            returned = [e for e in reader.of_type("updated") if e.data["notification"]["snoozedUntil"] is None]
            assert returned == []
        finally:
            await reader.close()


async def test_undo_of_archiving_a_snoozed_row_puts_the_snooze_back(app_server, make_account, operator):
    user = make_account()
    snoozed, plain = _send(operator, user.username), _send(operator, user.username)
    async with app_server.async_login(user.username, user.password) as tab:
        reader = await StreamReader(tab).start()
        try:
            r = await tab.post(f"/api/notifications/{snoozed}/snooze", json={"until": _ahead(3)})
            assert r.status_code == 200, r.text
            r = await tab.post("/api/notifications/bulk", json={"action": "archive", "ids": [snoozed, plain]})
            assert r.status_code == 200 and r.json()["updated"] == 2, r.text
            r = await tab.post("/api/notifications/undo", json={"undoToken": r.json()["undoToken"]})
            assert r.status_code == 200 and r.json()["updated"] == 2, r.text

            # Back as each was: the snoozed one snoozed again (out of both views), the other in the inbox.
            assert _row(app_server, snoozed)["snoozed_until"] is not None
            assert _row(app_server, snoozed)["archived_at"] is None
            page = (await tab.get("/api/notifications")).json()
            assert [n["id"] for n in page["items"]] == [plain] and page["unreadCount"] == 1
            assert (await tab.get("/api/notifications", params={"archived": "true"})).json()["items"] == []
            # ... and at its time it comes back, as a snooze does.
            await reader.wait_for(
                lambda rd: any(
                    e.data["notification"]["id"] == snoozed and e.data["notification"]["snoozedUntil"] is None
                    for e in rd.of_type("updated")
                ),
                timeout=10,
            )
            page = (await tab.get("/api/notifications")).json()
            assert sorted(n["id"] for n in page["items"]) == sorted([snoozed, plain]) and page["unreadCount"] == 2
        finally:
            await reader.close()


def test_a_snoozed_row_can_be_read_and_seen_and_stays_snoozed(app_server, sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    notification_id = _send(operator, user.username)
    _snoozed(client, notification_id)
    r = client.post(f"/api/notifications/{notification_id}/seen")
    assert r.status_code == 200 and r.json()["seenAt"] is not None and r.json()["snoozedUntil"] is not None
    r = client.post(f"/api/notifications/{notification_id}/read")
    assert r.status_code == 200 and r.json()["readAt"] is not None and r.json()["snoozedUntil"] is not None
    assert _ids(client) == [] and _badges(client) == (0, 0)


# -- archived -------------------------------------------------------------------------


def test_seen_on_an_archived_row_marks_it_seen(app_server, sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    one, two = _send(operator, user.username), _send(operator, user.username)
    client.post("/api/notifications/bulk", json={"action": "archive", "ids": [one, two]})
    r = client.post(f"/api/notifications/{one}/seen")
    assert r.status_code == 200 and r.json()["seenAt"] is not None, r.text
    assert _row(app_server, one)["seen_at"] is not None
    r = client.post("/api/notifications/bulk", json={"action": "seen", "filter": {"archived": True}})
    assert r.status_code == 200 and r.json()["updated"] == 1  # two; one was seen already
    assert all(n["seenAt"] for n in _page(client, archived="true")["items"])


def test_snoozing_an_archived_row_is_409_naming_the_state(app_server, sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    notification_id = _send(operator, user.username)
    client.post(f"/api/notifications/{notification_id}/archive")
    r = client.post(f"/api/notifications/{notification_id}/snooze", json={"until": _ahead(60)})
    assert r.status_code == 409, r.text
    assert "is archived; unarchive it first" in r.json()["error"]
    assert _row(app_server, notification_id)["snoozed_until"] is None
    assert client.post(f"/api/notifications/{notification_id}/unsnooze").status_code == 200  # not snoozed: no change


# -- expired --------------------------------------------------------------------------


def test_every_action_on_an_expired_row_is_410_except_delete(app_server, sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    action = {"id": "ok", "label": "OK"}
    notification_id = _send(operator, user.username, expiresAt=_ahead(1.0), actions=[action])
    other = _send(operator, user.username, expiresAt=_ahead(1.0))
    time.sleep(1.3)
    before = _row(app_server, notification_id)
    for verb in ("read", "seen", "archive", "unarchive", "unsnooze"):
        r = client.post(f"/api/notifications/{notification_id}/{verb}")
        assert r.status_code == 410, (verb, r.text)
        assert f"{notification_id!r} expired at" in r.json()["error"], verb
    r = client.post(f"/api/notifications/{notification_id}/snooze", json={"until": _ahead(60)})
    assert r.status_code == 410, r.text
    r = client.post(f"/api/notifications/{notification_id}/action", json={"actionId": "ok"})
    assert r.status_code == 410, r.text
    for verb in ("read", "unread", "seen", "archive", "unarchive"):
        r = client.post("/api/notifications/bulk", json={"action": verb, "ids": [notification_id]})
        assert r.json()["updated"] == 0, verb
    assert client.post("/api/notifications/read-all").json()["updated"] == 0
    assert _row(app_server, notification_id) == before  # nothing changed
    r = client.delete(f"/api/notifications/{notification_id}")
    assert r.status_code == 200 and r.json()["deleted"] is True, r.text
    assert client.post("/api/notifications/bulk", json={"action": "delete", "ids": [other]}).json()["updated"] == 1
    assert client.post(f"/api/notifications/{notification_id}/read").status_code == 404  # deleted now
