"""Seen vs read over real HTTP and the real stream: the unseen badge, the `seen` event,
and the list filters of CONTRACT section 9 (`unseen`, `archived`, `category`)."""

from __future__ import annotations

import asyncio

from tests.support.sse import StreamReader


def _send(op, username: str, title: str) -> str:
    r = op.post("/api/notifications", json={"title": title, "recipients": [username]})
    assert r.status_code == 201, r.text
    return r.json()["ids"][0]


def test_list_answers_count_unseen_beside_unread(sign_in, make_account, operator):
    user = make_account()
    client = sign_in(user)
    first, second, third = (_send(operator, user.username, f"n{i}") for i in range(3))

    page = client.get("/api/notifications").json()
    assert (page["unreadCount"], page["unseenCount"]) == (3, 3)
    assert all(item["seenAt"] is None and item["category"] == "general" for item in page["items"])

    seen = client.post(f"/api/notifications/{first}/seen")
    assert seen.status_code == 200 and seen.json()["seenAt"] and seen.json()["readAt"] is None
    assert client.post(f"/api/notifications/{first}/seen").json()["seenAt"] == seen.json()["seenAt"]  # idempotent
    # Reading implies seeing.
    assert client.post(f"/api/notifications/{second}/read").json()["seenAt"]

    page = client.get("/api/notifications").json()
    assert (page["unreadCount"], page["unseenCount"]) == (2, 1)
    unseen = client.get("/api/notifications", params={"unseen": "true"}).json()["items"]
    assert [item["id"] for item in unseen] == [third]
    # Neither view of the inbox is archived; the Archived view is empty.
    assert client.get("/api/notifications", params={"archived": "true"}).json()["items"] == []
    assert client.get("/api/notifications", params={"category": "general"}).json()["items"][0]["id"] == third
    assert client.get("/api/notifications", params={"category": "billing"}).json()["items"] == []


def test_seen_is_scoped_to_the_owner(sign_in, make_account, operator):
    owner, stranger = make_account(), make_account()
    notification_id = _send(operator, owner.username, "mine")
    r = sign_in(stranger).post(f"/api/notifications/{notification_id}/seen")
    assert r.status_code == 404 and r.json()["error"]
    assert sign_in(owner).get("/api/notifications").json()["unseenCount"] == 1  # unchanged


def test_bad_filters_are_422_naming_the_parameter(sign_in, make_account):
    client = sign_in(make_account())
    for params, field in (
        ({"unseen": "perhaps"}, "unseen"),
        ({"archived": "2"}, "archived"),
        ({"category": "A B"}, "category"),
    ):
        r = client.get("/api/notifications", params=params)
        assert r.status_code == 422, params
        assert r.json()["field"] == field


async def test_marking_seen_tells_the_users_other_tabs(app_server, make_account):
    user = make_account()
    op_account = make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(user.username, user.password) as tab,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        ids = [
            (await op.post("/api/notifications", json={"title": f"t{i}", "recipients": [user.username]})).json()["ids"][
                0
            ]
            for i in range(2)
        ]
        other_tab = await StreamReader(tab).start()
        try:
            await other_tab.wait_for(lambda r: r.events)
            assert (await tab.post(f"/api/notifications/{ids[0]}/seen")).status_code == 200
            await other_tab.wait_for(lambda r: r.of_type("seen"))
            # Like every lifecycle event it carries both badges after the change.
            assert other_tab.of_type("seen")[0].data == {
                "ids": [ids[0]],
                "seen": True,
                "count": 1,
                "unreadCount": 2,
                "unseenCount": 1,
            }
            # Seeing it again changes nothing and tells nobody.
            assert (await tab.post(f"/api/notifications/{ids[0]}/seen")).status_code == 200
            await asyncio.sleep(0.5)
            assert len(other_tab.of_type("seen")) == 1
        finally:
            await other_tab.close()
