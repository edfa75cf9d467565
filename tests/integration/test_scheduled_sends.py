"""Scheduled sends over real HTTP on the app as `make run` serves it (scheduler every 0.2 s):
`sendAt` stores the send (202), GET /api/scheduled lists it, the scheduler fires it once at
its time through the normal send path, DELETE /api/scheduled/{id} cancels it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from tests.support.sse import StreamReader


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def ahead(seconds: float) -> str:
    return iso(datetime.now(UTC) + timedelta(seconds=seconds))


def pending_ids(operator: httpx.Client) -> list[str]:
    r = operator.get("/api/scheduled")
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


@pytest.mark.parametrize(
    ("send_at", "message"),
    [
        (lambda: ahead(-5), "future"),
        (lambda: ahead(366 * 86_400), "one year"),
        (lambda: "2030-01-01T10:00:00", "timezone"),  # a naive time is ambiguous
        (lambda: "tomorrow", "datetime"),
    ],
)
def test_bad_send_at_is_422_naming_it_and_stores_nothing(make_account, sign_in, operator, send_at, message):
    user = make_account()
    before = pending_ids(operator)
    r = operator.post("/api/notifications", json={"title": "x", "recipients": [user.username], "sendAt": send_at()})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "sendAt"
    assert message in r.json()["error"].lower()
    assert pending_ids(operator) == before
    assert sign_in(user).get("/api/notifications").json()["items"] == []


def test_unknown_recipient_of_a_scheduled_send_is_422_and_stores_nothing(operator):
    before = pending_ids(operator)
    r = operator.post("/api/notifications", json={"title": "x", "recipients": ["nobody-here"], "sendAt": ahead(60)})
    assert r.status_code == 422
    assert r.json()["field"] == "recipients"
    assert pending_ids(operator) == before


def test_scheduled_routes_are_for_operators_only(make_account, sign_in, app_server):
    user = sign_in(make_account())
    assert user.get("/api/scheduled").status_code == 403
    assert user.delete("/api/scheduled/sched_00").status_code == 403
    body = {"title": "x", "recipients": "all", "sendAt": ahead(60)}
    assert user.post("/api/notifications", json=body).status_code == 403
    assert httpx.get(app_server.url + "/api/scheduled").status_code == 401


async def test_a_scheduled_send_fires_once_at_its_time_and_leaves_the_list(app_server, make_account, operator):
    user = make_account()
    send_at = datetime.now(UTC) + timedelta(seconds=2)
    r = operator.post(
        "/api/notifications",
        json={"title": "Later", "content": "scheduled", "recipients": [user.username], "sendAt": iso(send_at)},
    )
    assert r.status_code == 202, r.text
    answer = r.json()
    assert set(answer) == {"scheduledId", "sendAt"}
    assert answer["scheduledId"].startswith("sched_")
    listed = {item["id"]: item for item in operator.get("/api/scheduled").json()["items"]}
    assert listed[answer["scheduledId"]]["title"] == "Later"
    assert listed[answer["scheduledId"]]["recipients"] == [user.username]
    assert listed[answer["scheduledId"]]["status"] == "pending"

    async with app_server.async_login(user.username, user.password) as client:
        reader = await StreamReader(client).start()
        try:
            (arrived,) = await reader.wait_notifications(1, timeout=15)
            assert datetime.now(UTC) >= send_at  # not before its time
            assert reader.of_type("notification")[0].data["title"] == "Later"
            await asyncio.sleep(1.0)  # several more scheduler ticks: nothing fires twice
            assert reader.notification_ids() == [arrived]
        finally:
            await reader.close()
        page = (await client.get("/api/notifications")).json()
        assert [item["id"] for item in page["items"]] == [arrived]

    assert answer["scheduledId"] not in pending_ids(operator)
    again = operator.delete(f"/api/scheduled/{answer['scheduledId']}")
    assert again.status_code == 409
    assert again.json()["state"] == "sent"


async def test_a_cancelled_send_never_fires(app_server, make_account, operator):
    user = make_account()
    body = {"title": "Never", "recipients": [user.username], "sendAt": ahead(1.5)}
    r = operator.post("/api/notifications", json=body)
    scheduled_id = r.json()["scheduledId"]
    cancelled = operator.delete(f"/api/scheduled/{scheduled_id}")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert scheduled_id not in pending_ids(operator)
    assert operator.delete(f"/api/scheduled/{scheduled_id}").status_code == 409

    await asyncio.sleep(2.5)  # past its time, many ticks
    async with app_server.async_login(user.username, user.password) as client:
        assert (await client.get("/api/notifications")).json()["items"] == []


def test_cancelling_an_unknown_send_is_404(operator):
    for unknown in ("sched_0123456789abcdef01234567", "nope", "sched_%20"):
        r = operator.delete(f"/api/scheduled/{unknown}")
        assert r.status_code == 404, (unknown, r.text)
        assert r.json()["error"]


def test_send_at_with_an_offset_is_kept_as_that_instant(make_account, operator):
    user = make_account()
    local = (datetime.now(UTC) + timedelta(hours=3)).astimezone(timezone(timedelta(hours=2)))
    body = {"title": "tz", "recipients": [user.username], "sendAt": local.isoformat()}
    r = operator.post("/api/notifications", json=body)
    assert r.status_code == 202
    stored = datetime.fromisoformat(r.json()["sendAt"].replace("Z", "+00:00"))
    assert abs((stored - local).total_seconds()) < 0.001
    assert operator.delete(f"/api/scheduled/{r.json()['scheduledId']}").status_code == 200


async def test_an_api_key_schedules_and_the_send_fires_in_its_name_audited(app_server, make_account, operator):
    user = make_account()
    key = operator.post("/api/keys", json={"name": "scheduler-probe"}).json()
    bearer = {"Authorization": f"Bearer {key['secret']}"}
    body = {"title": "From a service, later", "recipients": [user.username], "sendAt": ahead(1.5)}
    async with httpx.AsyncClient(base_url=app_server.url, headers=bearer, timeout=10) as service:
        r = await service.post("/api/notifications", json=body)
        assert r.status_code == 202, r.text
        scheduled_id = r.json()["scheduledId"]
        listed = (await service.get("/api/scheduled")).json()["items"]
    assert {item["id"]: item["createdBy"] for item in listed}[scheduled_id] == "scheduler-probe"

    async with app_server.async_login(user.username, user.password) as client:
        reader = await StreamReader(client, last_event_id="0").start()
        try:
            await reader.wait_notifications(1, timeout=15)
        finally:
            await reader.close()
    events = operator.get("/api/audit", params={"limit": 200}).json()["items"]
    mine = [(e["action"], e["actorType"], e["actor"]) for e in reversed(events) if scheduled_id in e["detail"]]
    assert mine == [("send_scheduled", "key", "scheduler-probe"), ("notification_sent", "key", "scheduler-probe")]


async def test_a_revoked_keys_scheduled_send_fails_at_its_time_instead_of_going_out(app_server, make_account, operator):
    """Revoking a leaked key must also stop what it scheduled ahead."""
    user = make_account()
    key = operator.post("/api/keys", json={"name": "leaked"}).json()
    body = {"title": "From a leaked key", "recipients": [user.username], "sendAt": ahead(1.5)}
    async with httpx.AsyncClient(base_url=app_server.url, timeout=10) as service:
        bearer = {"Authorization": f"Bearer {key['secret']}"}
        r = await service.post("/api/notifications", json=body, headers=bearer)
    assert r.status_code == 202, r.text
    scheduled_id = r.json()["scheduledId"]
    assert operator.delete(f"/api/keys/{key['id']}").status_code == 200

    await asyncio.sleep(2.5)  # past its time, many ticks
    assert scheduled_id not in pending_ids(operator)
    with sqlite3.connect(app_server.workdir / "app.db") as db:
        query = "SELECT status, error FROM nc_scheduled_sends WHERE id = ?"
        status, error = db.execute(query, (scheduled_id,)).fetchone()
    assert (status, error) == ("failed", "not sent: the API key that scheduled it is revoked")
    async with app_server.async_login(user.username, user.password) as client:
        assert (await client.get("/api/notifications")).json()["items"] == []


def test_a_key_sees_and_cancels_only_what_it_scheduled(make_account, operator, app_server):
    """Keys are service credentials: another key's or an operator's scheduled send is 404 to
    a key (not revealed, not cancelled); operators (cookie) see and cancel all of them."""
    user = make_account()
    keys = [operator.post("/api/keys", json={"name": f"scoped-{i}"}).json() for i in range(2)]
    services = [
        httpx.Client(base_url=app_server.url, headers={"Authorization": f"Bearer {k['secret']}"}, timeout=10)
        for k in keys
    ]
    try:

        def schedule(client: httpx.Client, title: str) -> str:
            body = {"title": title, "content": "secret", "recipients": [user.username], "sendAt": ahead(600)}
            r = client.post("/api/notifications", json=body)
            assert r.status_code == 202, r.text
            return r.json()["scheduledId"]

        by_operator = schedule(operator, "Operator's plan")
        by_first, by_second = schedule(services[0], "First key's"), schedule(services[1], "Second key's")

        for service, own, others in (
            (services[0], by_first, (by_operator, by_second)),
            (services[1], by_second, (by_operator, by_first)),
        ):
            listed = service.get("/api/scheduled")
            assert listed.status_code == 200, listed.text
            assert [item["id"] for item in listed.json()["items"]] == [own]
            assert listed.json()["total"] == 1
            for other in others:
                refused = service.delete(f"/api/scheduled/{other}")
                assert refused.status_code == 404, refused.text
                assert "error" in refused.json()
                assert "Operator" not in refused.text and "key's" not in refused.text

        # The operator still sees all three pending (nothing was cancelled by the refusals).
        assert {by_operator, by_first, by_second} <= set(pending_ids(operator))

        cancelled = services[0].delete(f"/api/scheduled/{by_first}")
        assert cancelled.status_code == 200, cancelled.text
        assert services[0].delete(f"/api/scheduled/{by_first}").status_code == 409  # its own: the state is its to know
        assert services[0].get("/api/scheduled").json()["items"] == []
        assert operator.delete(f"/api/scheduled/{by_second}").status_code == 200  # operators cancel anyone's
        assert operator.delete(f"/api/scheduled/{by_operator}").status_code == 200
    finally:
        for service in services:
            service.close()
