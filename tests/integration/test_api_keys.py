"""API keys over the real app: a service sends with `Authorization: Bearer` and no cookie;
revoked, expired and unknown keys are refused; a key opens no inbox; keys are not ambient
credentials (a cross-site request with one is fine); each key is rate limited."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.processes import AppServer

CROSS_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def _create_key(operator: httpx.Client, name: str = "billing-service", **fields) -> dict:
    response = operator.post("/api/keys", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _bearer(key: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {key['secret']}"}


def _send(app_server: AppServer, key: dict, recipients, title: str = "From a service", **headers) -> httpx.Response:
    body = {"title": title, "content": "sent with an API key", "recipients": recipients}
    return httpx.post(app_server.url + "/api/notifications", json=body, headers={**_bearer(key), **headers})


def test_a_key_sends_without_a_cookie_and_shows_its_secret_only_once(app_server, operator, make_account, sign_in):
    alice = make_account(prefix="alice")
    key = _create_key(operator)
    assert key["secret"].startswith(key["prefix"]) and key["prefix"] == f"nck_{key['id']}_"
    assert key["state"] == "active" and key["lastUsedAt"] is None

    sent = _send(app_server, key, [alice.username], "Invoice paid")
    assert sent.status_code == 201, sent.text
    (notification_id,) = sent.json()["ids"]

    inbox = sign_in(alice).get("/api/notifications").json()["items"]
    assert [(n["id"], n["title"]) for n in inbox] == [(notification_id, "Invoice paid")]

    listed = {k["id"]: k for k in operator.get("/api/keys").json()["items"]}[key["id"]]
    assert "secret" not in listed and key["secret"] not in operator.get("/api/keys").text
    assert listed["lastUsedAt"] is not None  # the first use is recorded at once

    stats = httpx.get(app_server.url + "/api/notifications/stats", headers=_bearer(key))
    assert stats.status_code == 200 and "totalClients" in stats.json()


def test_revoked_expired_unknown_and_malformed_keys_are_401(app_server, operator, make_account, sign_in):
    bob = make_account(prefix="bob")
    key = _create_key(operator, "to-revoke")
    assert _send(app_server, key, [bob.username]).status_code == 201

    revoked = operator.delete(f"/api/keys/{key['id']}")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    refused = _send(app_server, key, [bob.username])
    assert refused.status_code == 401
    assert refused.json()["error"] == "this API key was revoked"
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert operator.delete(f"/api/keys/{key['id']}").status_code == 200  # idempotent
    assert operator.delete("/api/keys/key_000000000000000000000000").status_code == 404

    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    expiring = _create_key(operator, "short-lived", expiresAt=soon)
    assert expiring["expiresAt"] is not None
    assert _send(app_server, expiring, [bob.username]).status_code == 201
    time.sleep((datetime.fromisoformat(soon) - datetime.now(UTC)).total_seconds() + 0.2)
    expired = _send(app_server, expiring, [bob.username])
    assert (expired.status_code, expired.json()["error"]) == (401, "this API key has expired")

    forged = dict(key, secret=key["prefix"] + "A" * 43)
    assert _send(app_server, forged, [bob.username]).json()["error"] == "unknown API key"
    assert _send(app_server, {"secret": "not-a-key"}, [bob.username]).json()["error"] == "malformed API key"

    bob_inbox = sign_in(bob).get("/api/notifications").json()["items"]
    assert len(bob_inbox) == 2  # only the two sends made while the keys were live


def test_a_key_cannot_read_or_change_a_users_inbox(app_server, operator, make_account, sign_in):
    carol = make_account(prefix="carol")
    key = _create_key(operator, "reader-attempt")
    (nid,) = _send(app_server, key, [carol.username]).json()["ids"]
    headers = _bearer(key)
    for method, path in [
        ("GET", "/api/notifications"),
        ("GET", "/api/notifications/stream"),
        ("GET", "/api/auth/me"),
        ("POST", f"/api/notifications/{nid}/read"),
        ("POST", "/api/notifications/read-all"),
    ]:
        response = httpx.request(method, app_server.url + path, headers=headers)
        assert response.status_code == 401, (method, path, response.text)
    assert "API keys" in httpx.get(app_server.url + "/api/notifications", headers=headers).json()["error"]
    # Nor can a key manage keys or read the audit log: those want an operator's session.
    assert httpx.get(app_server.url + "/api/keys", headers=headers).status_code == 401
    assert httpx.get(app_server.url + "/api/audit", headers=headers).status_code == 401
    still_unread = sign_in(carol).get("/api/notifications").json()
    assert still_unread["unreadCount"] == 1


def test_a_cross_site_request_with_a_key_works_but_a_cookie_one_does_not(app_server, operator, make_account):
    dave = make_account(prefix="dave")
    key = _create_key(operator, "cross-site")
    assert _send(app_server, key, [dave.username], **CROSS_SITE).status_code == 201
    # The same cross-site request riding on a session cookie is refused, key or not.
    body = {"title": "x", "recipients": [dave.username]}
    assert operator.post("/api/notifications", json=body, headers=CROSS_SITE).status_code == 403
    with_cookie = operator.post("/api/notifications", json=body, headers={**CROSS_SITE, **_bearer(key)})
    assert with_cookie.status_code == 403


def test_each_key_is_rate_limited_with_retry_after(app_server, operator):
    key, other = _create_key(operator, "busy"), _create_key(operator, "quiet")
    url = app_server.url + "/api/notifications/stats"
    statuses = [httpx.get(url, headers=_bearer(key)).status_code for _ in range(15)]
    assert statuses == [200] * 15  # NC_KEY_RATE_LIMIT=15/minute in tests/conftest.py
    limited = httpx.get(url, headers=_bearer(key))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert limited.json()["retryAfter"] == int(limited.headers["retry-after"])
    assert httpx.get(url, headers=_bearer(other)).status_code == 200  # per key, not global


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": 12}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
        ({"name": "ok", "expiresAt": "2099-01-01T00:00:00"}, "expiresAt"),  # no time zone
        ({"name": "ok", "expiresAt": "soon"}, "expiresAt"),
    ],
)
def test_bad_key_input_is_422_naming_the_field_and_creates_nothing(operator, body, field):
    before = len(operator.get("/api/keys").json()["items"])
    response = operator.post("/api/keys", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert len(operator.get("/api/keys").json()["items"]) == before


def test_only_operators_manage_keys(app_server, make_account, sign_in):
    user = sign_in(make_account())
    assert user.get("/api/keys").status_code == 403
    assert user.post("/api/keys", json={"name": "mine"}).status_code == 403
    assert httpx.post(app_server.url + "/api/keys", json={"name": "anon"}).status_code == 401
