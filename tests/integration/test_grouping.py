"""Grouping over real HTTP and real streams: sends with one groupKey to one user update
one inbox row (count, latest text, unread again, moved to the top), and every open stream
and every replay shows that row exactly once, as it is now."""

from __future__ import annotations

import secrets

import httpx

from tests.support.sse import StreamReader


async def _send(op, username: str, title: str, **fields) -> str:
    r = await op.post("/api/notifications", json={"title": title, "recipients": [username], **fields})
    assert r.status_code == 201, r.text
    return r.json()["ids"][0]


def _latest_by_id(reader: StreamReader) -> dict[str, dict]:
    """What a client de-duplicating by (id, groupCount) ends up showing: the newest state per id."""
    shown: dict[str, dict] = {}
    for event in reader.of_type("notification"):
        shown[event.data["id"]] = event.data
    return shown


async def test_ten_sends_with_one_key_are_one_row_with_count_ten_in_every_stream(app_server, make_account):
    user = make_account()
    op_account = make_account(role="operator", prefix="op")
    key = f"thread-{secrets.token_hex(4)}"
    async with (
        app_server.async_login(user.username, user.password) as tab,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        first_tab, second_tab = await StreamReader(tab).start(), await StreamReader(tab).start()
        try:
            await first_tab.wait_for(lambda r: r.events)
            await second_tab.wait_for(lambda r: r.events)
            ids = set()
            for i in range(10):
                ids.add(await _send(op, user.username, f"Anna and {i} others commented", groupKey=key))
                if i == 4:  # read halfway: the next send makes it unread again
                    assert (await tab.post(f"/api/notifications/{ids.pop()}/read")).status_code == 200
                    ids.add((await tab.get("/api/notifications")).json()["items"][0]["id"])
            other = await _send(op, user.username, "Unrelated")
            assert len(ids) == 1
            (row_id,) = ids

            for reader in (first_tab, second_tab):
                await reader.wait_for(lambda r: other in r.notification_ids())
                events = [e for e in reader.of_type("notification") if e.data["id"] == row_id]
                assert [e.data["groupCount"] for e in events] == list(range(1, 11))
                cursors = [int(e.id) for e in reader.of_type("notification")]
                assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)  # each a new cursor
                assert events[-1].data["title"] == "Anna and 9 others commented"
                assert events[-1].data["readAt"] is None and events[-1].data["seenAt"] is None

            page = (await tab.get("/api/notifications")).json()
            assert [i["id"] for i in page["items"]][1:] == [row_id] and page["items"][0]["id"] == other
            grouped = page["items"][1]
            assert grouped["groupCount"] == 10 and grouped["groupKey"] == key
            assert grouped["title"] == "Anna and 9 others commented" and grouped["readAt"] is None
            assert (page["unreadCount"], page["unseenCount"]) == (2, 2)  # rows, not sends

            # A tab coming back from before the first send replays the row once, as it is now.
            replay = await StreamReader(tab, last_event_id="0").start()
            try:
                await replay.wait_for(lambda r: other in r.notification_ids())
                assert replay.notification_ids() == [row_id, other]
                assert _latest_by_id(replay)[row_id]["groupCount"] == 10
            finally:
                await replay.close()
            # And one that saw the fifth send resumes with just the row's newest state.
            fifth = next(e for e in first_tab.of_type("notification") if e.data.get("groupCount") == 5)
            resumed = await StreamReader(tab, last_event_id=fifth.id).start()
            try:
                await resumed.wait_for(lambda r: other in r.notification_ids())
                assert [e.data["groupCount"] for e in resumed.of_type("notification")] == [10, 1]
            finally:
                await resumed.close()
        finally:
            await first_tab.close()
            await second_tab.close()


async def test_groups_are_per_user_and_per_key(app_server, make_account):
    anna, ben = make_account(), make_account()
    op_account = make_account(role="operator", prefix="op")
    async with app_server.async_login(op_account.username, op_account.password) as op:
        for _ in range(3):
            r = await op.post(
                "/api/notifications", json={"title": "t", "recipients": [anna.username, ben.username], "groupKey": "k1"}
            )
            assert r.status_code == 201
        await _send(op, anna.username, "other key", groupKey="k2")
        await _send(op, anna.username, "no key")
    async with app_server.async_login(anna.username, anna.password) as client:
        items = (await client.get("/api/notifications")).json()["items"]
        assert [(i["title"], i["groupCount"]) for i in items] == [("no key", 1), ("other key", 1), ("t", 3)]
    async with app_server.async_login(ben.username, ben.password) as client:
        items = (await client.get("/api/notifications")).json()["items"]
        assert [(i["title"], i["groupCount"]) for i in items] == [("t", 3)]


def test_group_key_is_validated(operator, make_account):
    account = make_account()
    for key in ("", "x" * 129, 7):
        r = operator.post("/api/notifications", json={"title": "x", "recipients": [account.username], "groupKey": key})
        assert r.status_code == 422 and r.json()["field"] == "groupKey", r.text


async def test_a_group_key_groups_only_one_senders_sends_of_one_category(app_server, make_account):
    """Reusing another sender's groupKey must not rewrite that sender's notification: an
    operator's, another operator's and an API key's sends with one key stay apart, and so do
    one sender's sends in different categories."""
    user = make_account()
    op_account, other_op = make_account(role="operator", prefix="op"), make_account(role="operator", prefix="op")
    key = f"sec-{secrets.token_hex(4)}"
    async with (
        app_server.async_login(op_account.username, op_account.password) as op,
        app_server.async_login(other_op.username, other_op.password) as op2,
    ):
        api_key = (await op.post("/api/keys", json={"name": f"grouping-{key}"})).json()
        original = await _send(
            op, user.username, "SECURITY: password reset by IT", url="https://it.example/reset", groupKey=key
        )
        async with httpx.AsyncClient(
            base_url=app_server.url, headers={"Authorization": f"Bearer {api_key['secret']}"}, timeout=10
        ) as service:
            by_key = await _send(service, user.username, "Login here now", url="https://evil.example", groupKey=key)
            again_by_key = await _send(
                service, user.username, "Login here now!", url="https://evil.example", groupKey=key
            )
        by_other_op = await _send(op2, user.username, "Other operator", groupKey=key)
        other_category = await _send(op, user.username, "Same sender, security", groupKey=key, category="security")
        same_again = await _send(op, user.username, "SECURITY: password reset by IT (2)", groupKey=key)

    assert by_key == again_by_key  # one sender's sends still group
    assert same_again == original
    assert len({original, by_key, by_other_op, other_category}) == 4
    async with app_server.async_login(user.username, user.password) as client:
        items = {i["id"]: i for i in (await client.get("/api/notifications")).json()["items"]}
    assert len(items) == 4
    assert (items[original]["title"], items[original]["groupCount"]) == ("SECURITY: password reset by IT (2)", 2)
    assert items[original]["category"] == "general"
    assert (items[by_key]["title"], items[by_key]["url"], items[by_key]["groupCount"]) == (
        "Login here now!",
        "https://evil.example",
        2,
    )
    assert items[by_other_op]["groupCount"] == 1
    assert (items[other_category]["category"], items[other_category]["groupCount"]) == ("security", 1)
