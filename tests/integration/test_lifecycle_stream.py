"""The lifecycle events on the real stream: `archived`, `deleted`, `read`/`seen` from bulk
actions, the `reload` bound for big ones, undo, and no replay of deleted rows."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlmodel import Session

from notification_center.models import Status
from notification_center.notifications import service
from tests.support.sse import StreamReader


async def _send(op, username: str, title: str = "n") -> str:
    r = await op.post("/api/notifications", json={"title": title, "recipients": [username]})
    assert r.status_code == 201, r.text
    return r.json()["ids"][0]


async def _other_tab(client) -> StreamReader:
    tab = await StreamReader(client).start()
    await tab.wait_for(lambda r: r.of_type("connected"))
    return tab


async def test_single_row_changes_reach_the_other_tabs(app_server, make_account):
    user, op_account = make_account(), make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(user.username, user.password) as client,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        first, second = await _send(op, user.username), await _send(op, user.username)
        tab = await _other_tab(client)
        try:
            assert (await client.post(f"/api/notifications/{first}/archive")).status_code == 200
            await tab.wait_for(lambda r: r.of_type("archived"))
            assert tab.of_type("archived")[0].data == {
                "ids": [first],
                "archived": True,
                "count": 1,
                "unreadCount": 1,
                "unseenCount": 1,
            }
            await client.post(f"/api/notifications/{first}/unarchive")
            await tab.wait_for(lambda r: len(r.of_type("archived")) == 2)
            assert tab.of_type("archived")[1].data["archived"] is False
            assert tab.of_type("archived")[1].data["unreadCount"] == 2

            assert (await client.delete(f"/api/notifications/{second}")).status_code == 200
            await tab.wait_for(lambda r: r.of_type("deleted"))
            assert tab.of_type("deleted")[0].data == {
                "ids": [second],
                "deleted": True,
                "count": 1,
                "unreadCount": 1,
                "unseenCount": 1,
            }
            # Archiving again changes nothing and tells nobody.
            await client.post(f"/api/notifications/{first}/unarchive")
            await asyncio.sleep(0.5)
            assert len(tab.of_type("archived")) == 2
        finally:
            await tab.close()


async def test_a_bulk_action_is_one_event_and_undo_says_reload(app_server, make_account):
    user, op_account = make_account(), make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(user.username, user.password) as client,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        ids = [await _send(op, user.username, f"n{i}") for i in range(3)]
        tab = await _other_tab(client)
        try:
            r = await client.post("/api/notifications/bulk", json={"action": "read", "ids": ids[:2]})
            await tab.wait_for(lambda r: r.of_type("read"))
            event = tab.of_type("read")[0].data
            assert sorted(event.pop("ids")) == sorted(ids[:2])
            assert event == {"read": True, "count": 2, "unreadCount": 1, "unseenCount": 1}

            await client.post("/api/notifications/undo", json={"undoToken": r.json()["undoToken"]})
            await tab.wait_for(lambda r: len(r.of_type("read")) == 2)
            event = tab.of_type("read")[1].data
            assert event["read"] is False and event["reload"] is True
            assert (event["count"], event["unreadCount"], event["unseenCount"]) == (2, 3, 3)

            await client.post("/api/notifications/bulk", json={"action": "delete", "filter": {}})
            await tab.wait_for(lambda r: r.of_type("deleted"))
            event = tab.of_type("deleted")[0].data
            assert sorted(event["ids"]) == sorted(ids) and (event["unreadCount"], event["unseenCount"]) == (0, 0)
        finally:
            await tab.close()


async def test_more_than_500_changed_rows_send_a_reload_instead_of_ids(app_server, make_account):
    user = make_account()
    async with app_server.async_login(user.username, user.password) as client:
        user_id = (await client.get("/api/auth/me")).json()["id"]
        engine = sa.create_engine(f"sqlite:///{app_server.workdir / 'app.db'}")
        try:
            with Session(engine) as session:  # 501 rows quickly, through the service's own insert
                for i in range(501):
                    draft = service.Draft(title=f"bulk {i}")
                    service.create_notifications(session=session, user_ids=[user_id], draft=draft, status=Status.SENT)
                session.commit()
        finally:
            engine.dispose()
        tab = await _other_tab(client)
        try:
            r = await client.post("/api/notifications/bulk", json={"action": "archive", "filter": {}})
            assert r.json()["updated"] == 501
            await tab.wait_for(lambda r: r.of_type("archived"))
            event = tab.of_type("archived")[0]
            assert event.data == {"archived": True, "count": 501, "reload": True, "unreadCount": 0, "unseenCount": 0}
            assert len(event.raw) < 300  # small however many changed
        finally:
            await tab.close()


async def test_deleted_rows_are_never_replayed(app_server, make_account):
    user, op_account = make_account(), make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(user.username, user.password) as client,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        kept, gone, archived = [await _send(op, user.username, t) for t in ("kept", "gone", "archived")]
        await client.delete(f"/api/notifications/{gone}")
        await client.post(f"/api/notifications/{archived}/archive")
        resumed = await StreamReader(client, last_event_id="0").start()
        try:
            await resumed.wait_for(lambda r: r.of_type("connected"))
            fence = await _send(op, user.username, "fence")
            await resumed.wait_for(lambda r: fence in r.notification_ids())
            assert resumed.notification_ids() == [kept, fence]
        finally:
            await resumed.close()
