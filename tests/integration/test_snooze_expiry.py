"""Snooze, expiry and honest replay over real HTTP and real streams, on the app as `make run`
serves it (scheduler every 0.2 s)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.sse import StreamReader


def ahead(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def send(operator: httpx.Client, username: str, title: str = "Hi", **extra) -> str:
    r = operator.post("/api/notifications", json={"title": title, "recipients": [username], **extra})
    assert r.status_code == 201, r.text
    return r.json()["ids"][0]


def listed(client: httpx.Client) -> dict:
    r = client.get("/api/notifications")
    assert r.status_code == 200
    return r.json()


async def alisted(client: httpx.AsyncClient) -> dict:
    return (await client.get("/api/notifications")).json()


def updated_for(reader: StreamReader, notification_id: str) -> list[dict]:
    return [e.data for e in reader.of_type("updated") if e.data["notification"]["id"] == notification_id]


# -- snooze: validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"until": ahead(-60)}, "until", "future"),
        ({"until": ahead(367 * 86_400)}, "until", "one year"),
        ({"until": "2030-01-01T08:00:00"}, "until", "timezone"),
        ({"until": "soon"}, "until", "datetime"),
        ({}, "until", "required"),
        ({"until": ahead(86_400), "extra": 1}, "extra", "not permitted"),
    ],
)
def test_bad_snooze_is_422_naming_the_field_and_changes_nothing(make_account, sign_in, operator, body, field, message):
    user = make_account()
    client = sign_in(user)
    notification_id = send(operator, user.username)
    before = listed(client)
    r = client.post(f"/api/notifications/{notification_id}/snooze", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert message in r.json()["error"].lower()
    after = listed(client)
    assert after == before
    assert after["items"][0]["snoozedUntil"] is None


def test_snoozing_someone_elses_or_an_unknown_notification_is_404(make_account, sign_in, operator):
    owner, other = make_account(), make_account()
    notification_id = send(operator, owner.username)
    intruder = sign_in(other)
    for target in (notification_id, "notif_0000", "nope"):
        assert intruder.post(f"/api/notifications/{target}/snooze", json={"until": ahead(60)}).status_code == 404
        assert intruder.post(f"/api/notifications/{target}/unsnooze").status_code == 404
    assert listed(sign_in(owner))["items"][0]["snoozedUntil"] is None


# -- snooze: leaving and coming back ---------------------------------------------------


async def test_a_snoozed_item_leaves_list_and_counts_and_returns_once_on_every_stream(
    app_server, make_account, operator
):
    user = make_account()
    keep = send(operator, user.username, "stays")
    snoozed = send(operator, user.username, "later")
    async with (
        app_server.async_login(user.username, user.password) as tab1,
        app_server.async_login(user.username, user.password) as tab2,
    ):
        readers = [await StreamReader(tab1).start(), await StreamReader(tab2).start()]
        try:
            until = datetime.now(UTC) + timedelta(seconds=2)
            r = await tab1.post(f"/api/notifications/{snoozed}/snooze", json={"until": until.isoformat()})
            assert r.status_code == 200, r.text
            assert r.json()["snoozedUntil"] is not None
            page = await alisted(tab1)
            assert [n["id"] for n in page["items"]] == [keep]
            assert (page["unreadCount"], page["unseenCount"]) == (1, 1)
            for reader in readers:  # every tab drops it
                await reader.wait_for(lambda rd: len(updated_for(rd, snoozed)) >= 1)
                first = updated_for(reader, snoozed)[0]
                assert first["notification"]["snoozedUntil"] is not None
                assert (first["unreadCount"], first["unseenCount"]) == (1, 1)

            for reader in readers:  # ... and gets it back at its time, as a live event
                await reader.wait_for(lambda rd: len(updated_for(rd, snoozed)) >= 2, timeout=10)
            assert datetime.now(UTC) >= until
            await asyncio.sleep(1.0)  # more ticks: it comes back once
            for reader in readers:
                back = updated_for(reader, snoozed)
                assert len(back) == 2
                assert back[1]["notification"]["snoozedUntil"] is None
                assert (back[1]["unreadCount"], back[1]["unseenCount"]) == (2, 2)
        finally:
            for reader in readers:
                await reader.close()
        page = await alisted(tab1)
        assert [n["id"] for n in page["items"]] == [snoozed, keep]
        assert (page["unreadCount"], page["unseenCount"]) == (2, 2)


async def test_unsnooze_brings_it_back_early_and_the_scheduler_does_not_again(app_server, make_account, operator):
    user = make_account()
    notification_id = send(operator, user.username)
    async with app_server.async_login(user.username, user.password) as tab:
        reader = await StreamReader(tab).start()
        try:
            r = await tab.post(f"/api/notifications/{notification_id}/snooze", json={"until": ahead(1.5)})
            assert r.status_code == 200
            assert (await alisted(tab))["items"] == []
            back = await tab.post(f"/api/notifications/{notification_id}/unsnooze")
            assert back.status_code == 200
            assert back.json()["snoozedUntil"] is None
            assert [n["id"] for n in (await alisted(tab))["items"]] == [notification_id]
            again = await tab.post(f"/api/notifications/{notification_id}/unsnooze")  # idempotent, no event
            assert again.status_code == 200
            await asyncio.sleep(2.5)  # past the original time
            assert len(updated_for(reader, notification_id)) == 2  # snoozed, un-snoozed: nothing more
        finally:
            await reader.close()


# -- expiry -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt"),
        ({"ttlSeconds": 0}, "ttlSeconds"),
        ({"ttlSeconds": -5}, "ttlSeconds"),
        ({"expiresAt": "__in_60s__", "ttlSeconds": 60}, "ttlSeconds"),
        ({"expiresAt": "2099-01-01T00:00:00Z"}, "expiresAt"),  # more than 366 days ahead
        ({"sendAt": "__in_60s__", "expiresAt": "__in_30s__"}, "expiresAt"),
    ],
)
def test_bad_expiry_is_422_naming_the_field_and_sends_nothing(make_account, sign_in, operator, extra, field):
    user = make_account()
    times = {"__in_60s__": ahead(60), "__in_30s__": ahead(30)}
    extra = {key: times.get(value, value) if isinstance(value, str) else value for key, value in extra.items()}
    r = operator.post("/api/notifications", json={"title": "x", "recipients": [user.username], **extra})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert listed(sign_in(user))["items"] == []
    assert all(item["title"] != "x" or user.username not in item["recipients"] for item in pending(operator))


def pending(operator: httpx.Client) -> list[dict]:
    return operator.get("/api/scheduled").json()["items"]


async def test_an_expired_item_leaves_lists_counts_and_tabs_with_one_event(app_server, make_account, operator):
    user = make_account()
    keep = send(operator, user.username, "stays")
    async with app_server.async_login(user.username, user.password) as tab:
        reader = await StreamReader(tab).start()
        try:
            short = send(operator, user.username, "short-lived", ttlSeconds=1)
            at = send(operator, user.username, "until a time", expiresAt=ahead(1.2))
            await reader.wait_notifications(2)
            assert [n["id"] for n in (await alisted(tab))["items"]] == [at, short, keep]
            await reader.wait_for(
                lambda rd: {i for e in rd.of_type("expired") for i in e.data["ids"]} >= {short, at}, timeout=10
            )
            await asyncio.sleep(1.0)
            expired = reader.of_type("expired")
            assert sorted(i for e in expired for i in e.data["ids"]) == sorted([short, at])  # once each
            assert (expired[-1].data["unreadCount"], expired[-1].data["unseenCount"]) == (1, 1)
        finally:
            await reader.close()
        page = await alisted(tab)
        assert [n["id"] for n in page["items"]] == [keep]
        assert (page["unreadCount"], page["unseenCount"]) == (1, 1)

        # Never replayed: a stream resuming from before them gets `reset`, then only what is left.
        resumed = await StreamReader(tab, last_event_id="0").start()
        try:
            await resumed.wait_notifications(1)
            assert [e.type for e in resumed.events[:3]] == ["connected", "reset", "notification"]
            assert resumed.events[1].data["missing"] == 2
            assert resumed.notification_ids() == [keep]
        finally:
            await resumed.close()


async def test_a_complete_history_resumes_without_reset(app_server, make_account, operator):
    user = make_account()
    ids = [send(operator, user.username, f"n{i}") for i in range(3)]
    async with app_server.async_login(user.username, user.password) as tab:
        reader = await StreamReader(tab, last_event_id="0").start()
        try:
            await reader.wait_notifications(3)
            assert [e.type for e in reader.events[:4]] == ["connected", "notification", "notification", "notification"]
            assert reader.notification_ids() == ids
        finally:
            await reader.close()
