"""Links and action buttons over real HTTP: URL rules at send time, recording a choice
(owner only, first choice wins), and the `updated` event to the user's other tabs."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.sse import StreamReader

ACTIONS = [{"id": "approve", "label": "Approve"}, {"id": "open", "label": "Open", "url": "/reports/7"}]


def _send(op, username: str, **fields) -> str:
    r = op.post("/api/notifications", json={"title": "Expense report", "recipients": [username], **fields})
    assert r.status_code == 201, r.text
    return r.json()["ids"][0]


def test_url_and_actions_are_stored_and_on_the_wire(operator, sign_in, make_account):
    account = make_account()
    _send(operator, account.username, url="https://example.com/r/7?x=1#top", actions=ACTIONS)
    (item,) = sign_in(account).get("/api/notifications").json()["items"]
    assert item["url"] == "https://example.com/r/7?x=1#top"
    assert item["actions"] == ACTIONS
    assert item["actionTaken"] is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/path",
        "/\\evil.example",
        "http:/no-host",
        "https://",
        "ftp://files.example/x",
        "relative/path",
        "/line\nbreak",
        "",
    ],
)
def test_unsafe_urls_are_refused_at_send_time(operator, sign_in, make_account, url):
    account = make_account()
    r = operator.post("/api/notifications", json={"title": "x", "recipients": [account.username], "url": url})
    assert r.status_code == 422 and r.json()["field"] == "url", r.text
    action = {"id": "go", "label": "Go", "url": url}
    r = operator.post("/api/notifications", json={"title": "x", "recipients": [account.username], "actions": [action]})
    assert r.status_code == 422 and r.json()["field"] == "actions", r.text
    assert sign_in(account).get("/api/notifications").json()["items"] == []


def test_action_rules_at_send_time(operator, make_account):
    account = make_account()
    for actions in (
        [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}],  # at most two
        [{"id": "a", "label": "A"}, {"id": "a", "label": "Again"}],  # distinct ids
        [{"id": "a", "label": "   "}],
        [{"id": "has space", "label": "A"}],
        [{"id": "a", "label": "A", "onclick": "x"}],
    ):
        r = operator.post(
            "/api/notifications", json={"title": "x", "recipients": [account.username], "actions": actions}
        )
        assert r.status_code == 422 and r.json()["field"] == "actions", (actions, r.text)


def test_taking_an_action_records_it_marks_read_and_first_choice_wins(operator, sign_in, make_account):
    owner, stranger = make_account(), make_account()
    notification_id = _send(operator, owner.username, actions=ACTIONS)
    client = sign_in(owner)

    r = sign_in(stranger).post(f"/api/notifications/{notification_id}/action", json={"actionId": "approve"})
    assert r.status_code == 404
    r = client.post(f"/api/notifications/{notification_id}/action", json={"actionId": "reject"})
    assert r.status_code == 422 and r.json()["field"] == "actionId"
    r = client.post(f"/api/notifications/{notification_id}/action", json={})
    assert r.status_code == 422 and r.json()["field"] == "actionId"
    assert client.get("/api/notifications").json()["unreadCount"] == 1  # nothing changed yet

    r = client.post(f"/api/notifications/{notification_id}/action", json={"actionId": "approve"})
    assert r.status_code == 200, r.text
    assert r.json()["actionTaken"] == "approve" and r.json()["readAt"] and r.json()["status"] == "read"
    again = client.post(f"/api/notifications/{notification_id}/action", json={"actionId": "approve"})
    assert again.status_code == 200 and again.json()["readAt"] == r.json()["readAt"]  # idempotent
    other = client.post(f"/api/notifications/{notification_id}/action", json={"actionId": "open"})
    assert other.status_code == 409 and other.json()["field"] == "actionId"
    page = client.get("/api/notifications").json()
    assert page["unreadCount"] == 0 and page["items"][0]["actionTaken"] == "approve"


def test_a_notification_without_actions_has_none_to_take(operator, sign_in, make_account):
    account = make_account()
    notification_id = _send(operator, account.username)
    r = sign_in(account).post(f"/api/notifications/{notification_id}/action", json={"actionId": "approve"})
    assert r.status_code == 422 and r.json()["field"] == "actionId"


async def test_taking_an_action_tells_the_other_tabs(app_server, make_account):
    user = make_account()
    op_account = make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(user.username, user.password) as tab,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        body = {"title": "Deploy?", "recipients": [user.username], "actions": ACTIONS}
        notification_id = (await op.post("/api/notifications", json=body)).json()["ids"][0]
        other_tab = await StreamReader(tab).start()
        try:
            await other_tab.wait_for(lambda r: r.events)
            r = await tab.post(f"/api/notifications/{notification_id}/action", json={"actionId": "approve"})
            assert r.status_code == 200
            await other_tab.wait_for(lambda r: r.of_type("updated") and r.of_type("read"))
            updated = other_tab.of_type("updated")[0].data
            assert updated["notification"]["id"] == notification_id
            assert updated["notification"]["actionTaken"] == "approve"
            assert (updated["unreadCount"], updated["unseenCount"]) == (0, 0)
            assert other_tab.of_type("read")[0].data["ids"] == [notification_id]
            # The same choice again changes nothing and tells nobody.
            await tab.post(f"/api/notifications/{notification_id}/action", json={"actionId": "approve"})
            await asyncio.sleep(0.5)
            assert len(other_tab.of_type("updated")) == 1
        finally:
            await other_tab.close()
