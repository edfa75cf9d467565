"""Sign out everywhere (API and CLI) and password changes revoke every session of a user."""

from __future__ import annotations

import httpx

from tests.support.processes import AppServer


def test_logout_all_revokes_every_session_of_the_user_only(app_server: AppServer, make_account) -> None:
    alice, bob = make_account(), make_account()
    laptop = app_server.login(alice.username, alice.password)
    phone = app_server.login(alice.username, alice.password)
    other = app_server.login(bob.username, bob.password)
    try:
        response = laptop.post("/api/auth/logout-all")
        assert response.status_code == 200
        assert response.json() == {"ok": True, "revoked": 2}
        assert 'nc_session=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
        for client in (laptop, phone):
            assert client.get("/api/auth/me").status_code == 401
        assert other.get("/api/auth/me").status_code == 200
    finally:
        for client in (laptop, phone, other):
            client.close()


def test_logout_all_needs_a_session(app_server: AppServer) -> None:
    response = httpx.post(app_server.url + "/api/auth/logout-all")
    assert response.status_code == 401
    assert response.json()["error"] == "not signed in"


def test_logout_all_refuses_cross_site_posts(app_server: AppServer, make_account) -> None:
    account = make_account()
    client = app_server.login(account.username, account.password)
    try:
        response = client.post("/api/auth/logout-all", headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 403
        assert client.get("/api/auth/me").status_code == 200
    finally:
        client.close()


def test_cli_revoke_sessions(app_server: AppServer, make_account) -> None:
    account, bystander = make_account(), make_account()
    clients = [app_server.login(account.username, account.password) for _ in range(2)]
    kept = app_server.login(bystander.username, bystander.password)
    try:
        out = app_server.cli("revoke-sessions", account.username)
        assert out.returncode == 0
        assert f"revoked 2 session(s) of {account.username!r}" in out.stdout
        assert "NC_PING_INTERVAL_SECONDS" in out.stdout  # no Redis here: says when streams end
        for client in clients:
            assert client.get("/api/auth/me").status_code == 401
        assert kept.get("/api/auth/me").status_code == 200
        again = app_server.cli("revoke-sessions", account.username)
        assert "revoked 0 session(s)" in again.stdout
    finally:
        for client in (*clients, kept):
            client.close()


def test_cli_revoke_sessions_of_an_unknown_user_says_so(app_server: AppServer) -> None:
    out = app_server.cli("revoke-sessions", "nobody-by-this-name", check=False)
    assert out.returncode == 2
    assert "no user named 'nobody-by-this-name'" in out.stderr


def test_changing_a_password_revokes_every_session(app_server: AppServer, make_account) -> None:
    account = make_account()
    clients = [app_server.login(account.username, account.password) for _ in range(2)]
    try:
        out = app_server.cli("create-user", account.username, "--password=a-brand-new-password")
        assert f"signed out 2 session(s) of {account.username!r}" in out.stdout
        for client in clients:
            assert client.get("/api/auth/me").status_code == 401
        fresh = app_server.login(account.username, "a-brand-new-password")
        assert fresh.get("/api/auth/me").status_code == 200
        fresh.close()
    finally:
        for client in clients:
            client.close()


def test_a_role_change_with_the_same_password_keeps_sessions(app_server: AppServer, make_account) -> None:
    account = make_account(role="operator", prefix="op")
    client = app_server.login(account.username, account.password)
    try:
        out = app_server.cli("create-user", account.username, f"--password={account.password}", "--role=user")
        assert "signed out" not in out.stdout
        assert client.get("/api/auth/me").json()["role"] == "user"  # checked on each use
    finally:
        client.close()
