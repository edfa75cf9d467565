"""Web Push end to end with real parts: the API and its scheduler under granian
(WorkerApiServer), a push service speaking RFC 8030 over TLS on a local port
(tests/support/push_service.py), and subscriptions made the way a browser makes them.
The test decrypts what arrived (aes128gcm), checks TTL, Urgency and the VAPID JWT."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import APP_ENV
from tests.support.api_server import WorkerApiServer
from tests.support.push_service import BrowserSubscription, PushService, verify_vapid
from tests.support.waiting import wait_for

SUBJECT = "mailto:ops@example.com"


@pytest.fixture(scope="module")
def push_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PushService]:
    service = PushService(tmp_path_factory.mktemp("push-tls")).start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, push_service: PushService) -> Iterator[WorkerApiServer]:
    env = {
        **APP_ENV,
        "NC_SCHEDULER_INTERVAL_SECONDS": "0.1",
        "NC_PUSH_CA_BUNDLE": str(push_service.ca_path),
        "NC_PUSH_RETRY_BASE_SECONDS": "0.2",
        "NC_PUSH_MAX_ATTEMPTS": "3",
        "NC_PUSH_MAX_SUBSCRIPTIONS_PER_USER": "3",
        "NC_VAPID_SUBJECT": SUBJECT,
        "NC_PUSH_ALLOWED_HOSTS": "127.0.0.1",
        "NC_PUSH_OFFLINE_GRACE_SECONDS": "1.5",
    }
    app = WorkerApiServer(Path(tmp_path_factory.mktemp("push-app")), env).start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def operator(server: WorkerApiServer) -> httpx.Client:
    name = f"op{secrets.token_hex(4)}"
    server.create_user(name, "operator-password-1", "operator")
    return server.login(name, "operator-password-1")


@pytest.fixture
def user(server: WorkerApiServer) -> Callable[[], tuple[str, httpx.Client]]:
    def make() -> tuple[str, httpx.Client]:
        name = f"u{secrets.token_hex(4)}"
        server.create_user(name, "user-password-1")
        return name, server.login(name, "user-password-1")

    return make


def subscribe(client: httpx.Client, push_service: PushService) -> tuple[BrowserSubscription, dict]:
    browser = BrowserSubscription(push_service.endpoint())
    r = client.post("/api/push/subscriptions", json=browser.to_json())
    assert r.status_code == 201, r.text
    return browser, r.json()


def send(operator: httpx.Client, username: str, **extra) -> dict:
    r = operator.post(
        "/api/notifications",
        json={"title": "Build failed", "content": "main is red", "recipients": [username], **extra},
    )
    assert r.status_code == 201, r.text
    return r.json()


def push_status(operator: httpx.Client, notification_id: str, username: str) -> dict | None:
    history = operator.get("/api/history", params={"limit": 50}).json()["items"]
    for item in history:
        detail = operator.get(f"/api/history/{item['id']}").json()
        for recipient in detail["recipients"]:
            if recipient["username"] == username:
                return recipient["channels"].get("push")
    return None


def test_a_push_is_delivered_encrypted_and_signed(server, operator, user, push_service):
    username, client = user()
    key = client.get("/api/push/key").json()["publicKey"]
    browser, _ = subscribe(client, push_service)
    expires = datetime.now(UTC) + timedelta(hours=1)
    sent = send(
        operator,
        username,
        priority="urgent",
        url="https://example.com/builds/7",
        groupKey="ci",
        expiresAt=expires.isoformat(),
    )
    (received,) = wait_for(lambda: push_service.for_token(browser.token))
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["urgency"] == "high"
    assert 3500 <= int(headers["ttl"]) <= 3600
    assert browser.decrypt(received.body) == {
        "title": "Build failed",
        "body": "main is red",
        "id": sent["ids"][0],
        "url": "https://example.com/builds/7",
        "tag": "ci",
    }
    claims = verify_vapid(headers["authorization"], public_key=key)
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == SUBJECT
    assert 0 < claims["exp"] - time.time() <= 24 * 3600
    status = wait_for(lambda: (s := push_status(operator, sent["ids"][0], username)) and s["status"] == "sent" and s)
    assert status["attempts"] == 1


def test_gone_subscription_410_is_deleted(server, operator, user, push_service):
    username, client = user()
    browser, _ = subscribe(client, push_service)
    push_service.answer(browser.token, 410)
    sent = send(operator, username)
    wait_for(lambda: push_service.for_token(browser.token))
    wait_for(lambda: client.get("/api/push/subscriptions").json()["items"] == [])
    status = wait_for(lambda: (s := push_status(operator, sent["ids"][0], username)) and s["status"] != "pending" and s)
    assert status["status"] == "failed"
    assert "410" in status["lastError"]


def test_503_then_201_is_retried_once_and_delivered_once(server, operator, user, push_service):
    username, client = user()
    browser, _ = subscribe(client, push_service)
    push_service.answer(browser.token, 503, retry_after="1")
    sent = send(operator, username)
    first, second = wait_for(lambda: len(got := push_service.for_token(browser.token)) >= 2 and got)
    assert (first.status, second.status) == (503, 201)
    assert second.at - first.at >= 0.9  # Retry-After: 1 honoured
    assert browser.decrypt(second.body)["id"] == sent["ids"][0]
    time.sleep(1.0)
    assert len(push_service.for_token(browser.token)) == 2
    status = push_status(operator, sent["ids"][0], username)
    assert status == {"status": "sent", "attempts": 2, "lastError": None, "clickedAt": None}


def test_offline_mode_skips_users_with_an_open_stream(server, operator, user, push_service):
    username, client = user()
    browser, _ = subscribe(client, push_service)
    with client.stream("GET", "/api/notifications/stream") as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()  # held: a dropped iterator closes the stream
        next(lines)  # the stream is registered
        sent = send(operator, username)
        status = wait_for(
            lambda: (s := push_status(operator, sent["ids"][0], username)) and s["status"] != "pending" and s
        )
    assert status["status"] == "skipped"
    assert push_service.for_token(browser.token) == []

    def offline_push() -> bool:  # the stream is released when its client went away
        sent = send(operator, username)
        time.sleep(0.5)
        return bool(push_service.for_token(browser.token)) and sent

    wait_for(offline_push, timeout=10)


def test_offline_push_seen_in_the_app_within_the_grace_is_not_sent(server, operator, user, push_service):
    username, client = user()
    browser, _ = subscribe(client, push_service)
    sent = send(operator, username)
    notification_id = sent["ids"][0]
    assert client.post(f"/api/notifications/{notification_id}/seen").status_code == 200  # within 1.5 s
    status = wait_for(
        lambda: (s := push_status(operator, notification_id, username)) and s["status"] != "pending" and s
    )
    assert status["status"] == "cancelled"
    assert status["lastError"] == "seen in the app within the grace period"
    assert push_service.for_token(browser.token) == []
    # Not seen: after the grace it goes out.
    later = send(operator, username)
    (received,) = wait_for(lambda: push_service.for_token(browser.token))
    assert browser.decrypt(received.body)["id"] == later["ids"][0]


def test_push_preference_never_and_always(server, operator, user, push_service):
    username, client = user()
    browser, _ = subscribe(client, push_service)
    r = client.put("/api/preferences", json={"preferences": {"general": {"push": "never"}}})
    assert r.status_code == 200, r.text
    assert r.json()["preferences"]["general"]["push"] == "never"
    send(operator, username)
    time.sleep(1.0)
    assert push_service.for_token(browser.token) == []
    client.put("/api/preferences", json={"preferences": {"general": {"push": "always"}}})
    with client.stream("GET", "/api/notifications/stream") as stream:
        lines = stream.iter_lines()
        next(lines)
        send(operator, username)
        wait_for(lambda: push_service.for_token(browser.token))  # online, and pushed anyway
    r = client.put("/api/preferences", json={"preferences": {"security": {"push": "never"}}})
    assert r.status_code == 422 and r.json()["field"] == "preferences.security"
    r = client.put("/api/preferences", json={"preferences": {"general": {"push": "sometimes"}}})
    assert r.status_code == 422
    assert client.get("/api/preferences").json()["preferences"]["security"]["push"] == "offline"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: {**s, "endpoint": s["endpoint"].replace("https:", "http:")}, "endpoint"),
        (lambda s: {**s, "endpoint": "https://" + "a" * 1100}, "endpoint"),
        (lambda s: {**s, "endpoint": "not a url"}, "endpoint"),
        (lambda s: {**s, "endpoint": "https://push.evil.example/x"}, "endpoint"),  # not in NC_PUSH_ALLOWED_HOSTS
        (lambda s: {"endpoint": s["endpoint"]}, "keys"),
        (lambda s: {**s, "keys": {**s["keys"], "p256dh": "AAAA"}}, "keys.p256dh"),
        (lambda s: {**s, "keys": {**s["keys"], "auth": "c2hvcnQ"}}, "keys.auth"),
        (lambda s: {**s, "keys": {**s["keys"], "auth": 5}}, "keys.auth"),
        (lambda s: {**s, "extra": 1}, "extra"),
    ],
)
def test_malformed_subscription_is_422_naming_the_field_and_stores_nothing(user, push_service, change, field):
    _, client = user()
    body = change(BrowserSubscription(push_service.endpoint()).to_json())
    r = client.post("/api/push/subscriptions", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field, r.json()
    assert client.get("/api/push/subscriptions").json()["items"] == []


def test_subscriptions_are_their_owners_only(server, user, push_service):
    _, alice = user()
    _, bob = user()
    browser, made = subscribe(alice, push_service)
    assert bob.get("/api/push/subscriptions").json()["items"] == []
    assert bob.delete(f"/api/push/subscriptions/{made['id']}").status_code == 404
    assert [s["id"] for s in alice.get("/api/push/subscriptions").json()["items"]] == [made["id"]]
    # The same browser subscribing again is one row, updated.
    again = alice.post("/api/push/subscriptions", json=browser.to_json())
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    assert len(alice.get("/api/push/subscriptions").json()["items"]) == 1
    assert "keys" not in again.json()
    huge = alice.post(
        "/api/push/subscriptions",
        content=b'{"endpoint": "' + b"a" * 200_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    for _ in range(2):
        subscribe(alice, push_service)
    over = alice.post("/api/push/subscriptions", json=BrowserSubscription(push_service.endpoint()).to_json())
    assert over.status_code == 409 and over.json()["field"] == "endpoint"
    assert len(alice.get("/api/push/subscriptions").json()["items"]) == 3
    assert alice.delete(f"/api/push/subscriptions/{made['id']}").status_code == 204
    assert alice.delete(f"/api/push/subscriptions/{made['id']}").status_code == 404
    assert httpx.get(server.url + "/api/push/subscriptions").status_code == 401
    assert httpx.get(server.url + "/api/push/key").status_code == 401


def test_a_click_reads_the_notification_and_counts_once_for_its_owner_only(server, operator, user, push_service):
    username, client = user()
    _, stranger = user()
    browser, _ = subscribe(client, push_service)
    sent = send(operator, username)
    notification_id = sent["ids"][0]
    wait_for(lambda: push_service.for_token(browser.token))
    wait_for(lambda: (s := push_status(operator, notification_id, username)) and s["status"] == "sent")

    # Not yours: 404, nothing read, nothing counted.
    r = stranger.post("/api/push/clicks", json={"notificationId": notification_id})
    assert r.status_code == 404 and r.json()["field"] == "notificationId"
    for body, field in (
        ({}, "notificationId"),
        ({"notificationId": 7}, "notificationId"),
        ({"id": "x"}, "notificationId"),
    ):
        r = client.post("/api/push/clicks", json=body)
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert push_status(operator, notification_id, username)["clickedAt"] is None

    first = client.post("/api/push/clicks", json={"notificationId": notification_id})
    assert first.status_code == 200 and first.json()["readAt"] is not None
    clicked_at = push_status(operator, notification_id, username)["clickedAt"]
    assert clicked_at is not None
    again = client.post("/api/push/clicks", json={"notificationId": notification_id})
    assert again.status_code == 200 and push_status(operator, notification_id, username)["clickedAt"] == clicked_at
    sends = operator.get("/api/history", params={"limit": 50}).json()["items"]
    (item,) = [i for i in sends if i["channels"].get("push", {}).get("clicked")]
    assert item["channels"]["push"] == {
        "pending": 0,
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "cancelled": 0,
        "clicked": 1,
    }
    assert httpx.post(server.url + "/api/push/clicks", json={"notificationId": notification_id}).status_code == 401
