"""Host identity over real HTTP (issue 19): a host app's backend vouches for its signed-in user
with a short-lived token; that user gets a session here without a password, is addressed by
operators like any user, and the host's sign-out ends their streams. The API alone under
granian (tests/support/api_server.py)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from notification_center.auth import host_tokens
from tests.conftest import APP_ENV
from tests.support.api_server import ApiServer
from tests.support.sse import StreamReader

SECRET = "host-identity-test-secret-of-32-characters"


@pytest.fixture(scope="module")
def api(tmp_root: Path) -> Iterator[ApiServer]:
    server = ApiServer(tmp_root / "host-api", {**APP_ENV, "NC_HOST_TOKEN_SECRET": SECRET})
    server.start()
    server.create_user("host-op", "host-operator-pass", role="operator")
    server.create_user("taken", "local-user-password")  # a local account the host's ids must not take
    yield server
    server.stop()


@pytest.fixture
def operator(api: ApiServer) -> Iterator[httpx.Client]:
    client = api.login("host-op", "host-operator-pass")
    yield client
    client.close()


def _sign_in(api: ApiServer, token: str) -> httpx.Response:
    return httpx.post(api.url + "/api/auth/host", json={"token": token}, timeout=10)


def _host_id() -> str:
    return f"u{secrets.token_hex(4)}"


async def test_the_hosts_user_signs_in_gets_notifications_and_the_hosts_sign_out_ends_the_stream(
    api: ApiServer, operator: httpx.Client
) -> None:
    host_id = _host_id()
    r = _sign_in(api, host_tokens.mint(host_id, secret=SECRET, name="Ada Lovelace"))
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["username"] == host_id and me["role"] == "user"
    assert "HttpOnly" in r.headers["set-cookie"]
    async with httpx.AsyncClient(base_url=api.url, cookies=dict(r.cookies), timeout=10) as page:
        assert (await page.get("/api/auth/me")).json()["id"] == me["id"]
        reader = await StreamReader(page).start()
        async with httpx.AsyncClient(base_url=api.url, cookies=dict(operator.cookies), timeout=10) as op:
            sent = await op.post("/api/notifications", json={"title": "for the host's user", "recipients": [host_id]})
            assert sent.status_code == 201, sent.text
        await reader.wait_for(lambda rd: any(e.type == "notification" for e in rd.events))
        # The host's backend, server to server: its user signed out.
        async with httpx.AsyncClient(base_url=api.url, timeout=10) as host_backend:
            token = host_tokens.mint(host_id, secret=SECRET, use=host_tokens.SIGN_OUT)
            out = await host_backend.post("/api/auth/host/sign-out", json={"token": token})
        assert out.status_code == 200 and out.json() == {"ok": True, "revoked": 1}, out.text
        await asyncio.wait_for(reader.ended.wait(), timeout=5)
        assert (await page.get("/api/auth/me")).status_code == 401


def test_a_second_sign_in_is_the_same_user_with_the_hosts_latest_role(api: ApiServer) -> None:
    host_id = _host_id()
    first = _sign_in(api, host_tokens.mint(host_id, secret=SECRET)).json()
    again = _sign_in(api, host_tokens.mint(host_id, secret=SECRET, role="operator")).json()
    assert again["id"] == first["id"] and again["role"] == "operator"


def test_host_ids_that_are_no_username_or_a_local_users_get_a_name_of_their_own(api: ApiServer) -> None:
    odd = _sign_in(api, host_tokens.mint("auth0|5f3a@example.org", secret=SECRET)).json()
    assert odd["username"].startswith("h-")
    clash = _sign_in(api, host_tokens.mint("taken", secret=SECRET)).json()
    assert clash["username"].startswith("h-") and clash["username"] != "taken"
    # ... and the local account is untouched: its password still signs it in.
    assert api.login("taken", "local-user-password").get("/api/auth/me").json()["username"] == "taken"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: host_tokens.mint("x1", secret="a-different-secret-of-32-characters-or-more"), "signature"),
        (lambda: host_tokens.mint("x1", secret=SECRET, ttl_seconds=-120), "expired"),
        (lambda: host_tokens.mint("x1", secret=SECRET, ttl_seconds=7 * 86400), "lives too long"),
        (lambda: host_tokens.mint("x1", secret=SECRET, use=host_tokens.SIGN_OUT), "sign-out"),
        (lambda: "forged.token.value", "not a valid"),
    ],
)
def test_a_forged_or_expired_token_is_401_naming_why_and_signs_no_one_in(api: ApiServer, make, reason: str):
    r = _sign_in(api, make())  # made now: a token made at collection may have expired since
    assert r.status_code == 401 and reason in r.json()["error"] and r.json()["field"] == "token", r.text
    assert "set-cookie" not in r.headers


def test_a_malformed_body_is_422(api: ApiServer) -> None:
    for body in ({}, {"token": 5}, [], {"token": ""}):
        r = httpx.post(api.url + "/api/auth/host", json=body, timeout=10)
        assert r.status_code == 422, (body, r.text)


def test_a_sign_in_token_cannot_sign_anyone_out(api: ApiServer) -> None:
    host_id = _host_id()
    signed_in = _sign_in(api, host_tokens.mint(host_id, secret=SECRET))
    r = httpx.post(api.url + "/api/auth/host/sign-out", json={"token": host_tokens.mint(host_id, secret=SECRET)})
    assert r.status_code == 401, r.text
    assert httpx.get(api.url + "/api/auth/me", cookies=dict(signed_in.cookies)).status_code == 200


def test_without_a_secret_host_sign_in_is_off(app_server) -> None:
    # The shared app has no NC_HOST_TOKEN_SECRET.
    r = httpx.post(app_server.url + "/api/auth/host", json={"token": host_tokens.mint("x", secret=SECRET)})
    assert r.status_code == 403 and "NC_HOST_TOKEN_SECRET" in r.json()["error"]
