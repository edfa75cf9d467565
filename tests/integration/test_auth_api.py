"""Sign-in over real HTTP: login, me, logout, revocation, forged/expired cookies, brute force."""

from __future__ import annotations

import asyncio

import httpx
import sqlalchemy as sa

from tests.support.api_server import ApiServer


def test_login_sets_an_httponly_lax_session_cookie(app_server, make_account):
    account = make_account()
    r = httpx.post(
        app_server.url + "/api/auth/login", json={"username": account.username, "password": account.password}
    )
    assert r.status_code == 200
    assert r.json()["username"] == account.username
    assert r.json()["role"] == "user"
    assert r.json()["id"].startswith("user_")
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("nc_session=")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax"):
        assert attribute.lower() in cookie.lower()


def test_me_returns_the_signed_in_user(sign_in, make_account):
    account = make_account(role="operator")
    me = sign_in(account).get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == account.username
    assert me.json()["role"] == "operator"


def test_me_without_session_is_401(app_server):
    r = httpx.get(app_server.url + "/api/auth/me")
    assert r.status_code == 401
    assert "error" in r.json()


def test_wrong_password_and_unknown_user_answer_the_same(app_server, make_account):
    account = make_account()
    wrong = httpx.post(app_server.url + "/api/auth/login", json={"username": account.username, "password": "nope-nope"})
    unknown = httpx.post(app_server.url + "/api/auth/login", json={"username": "ghost-user", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers


def test_malformed_login_bodies_are_rejected_with_clear_errors(app_server):
    url = app_server.url + "/api/auth/login"
    assert httpx.post(url, content=b"not json", headers={"content-type": "application/json"}).status_code in (400, 422)
    missing = httpx.post(url, json={"username": "x"})
    assert missing.status_code == 422
    assert "password" in missing.json()["error"]
    assert httpx.post(url, json=["x", "y"]).status_code == 422
    assert httpx.post(url, json={"username": 1, "password": 2}).status_code == 422


def test_logout_revokes_the_session_server_side(app_server, sign_in, make_account):
    client = sign_in(make_account())
    stolen_cookie = client.cookies["nc_session"]
    assert client.post("/api/auth/logout").status_code in (200, 204)
    # The browser's copy is cleared, and a copy kept elsewhere no longer works either.
    assert client.get("/api/auth/me").status_code == 401
    replay = httpx.get(app_server.url + "/api/auth/me", cookies={"nc_session": stolen_cookie})
    assert replay.status_code == 401


def test_logout_without_session_succeeds(app_server):
    assert httpx.post(app_server.url + "/api/auth/logout").status_code in (200, 204)


def test_forged_cookie_is_401(app_server, sign_in, make_account):
    real = sign_in(make_account()).cookies["nc_session"]
    token, _signature = real.rsplit(".", 1)
    for forged in (token + ".AAAA", "x" + real, "garbage", token):
        r = httpx.get(app_server.url + "/api/notifications", cookies={"nc_session": forged})
        assert r.status_code == 401, forged


def test_expired_session_is_401(app_server, sign_in, make_account):
    account = make_account()
    client = sign_in(account)
    assert client.get("/api/auth/me").status_code == 200
    engine = sa.create_engine(f"sqlite:///{app_server.workdir / 'app.db'}")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE nc_auth_sessions SET expires_at = '2000-01-01 00:00:00.000000' "
                "WHERE user_id = (SELECT id FROM nc_users WHERE username = :u)"
            ),
            {"u": account.username},
        )
    engine.dispose()
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/api/notifications").status_code == 401


def test_failed_sign_ins_per_username_are_limited_with_429(app_server, make_account):
    account = make_account()
    url = app_server.url + "/api/auth/login"
    codes = [
        httpx.post(url, json={"username": account.username, "password": "wrong-pass"}).status_code for _ in range(6)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    # Even the right password waits now: brute force can't tell when it guessed right.
    blocked = httpx.post(url, json={"username": account.username, "password": account.password})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert "error" in blocked.json()


def test_failed_sign_ins_per_client_address_are_limited(tmp_root):
    server = ApiServer(
        tmp_root / "ratelimit", {"NC_LOGIN_RATE_LIMIT": "100/minute", "NC_LOGIN_IP_RATE_LIMIT": "8/minute"}
    )
    server.start()
    try:
        codes = [
            httpx.post(server.url + "/api/auth/login", json={"username": f"guess{i}", "password": "x"}).status_code
            for i in range(9)
        ]
        assert codes[:8] == [401] * 8
        assert codes[8] == 429
    finally:
        server.stop()


async def test_parallel_guesses_cannot_slip_past_the_limit(app_server, make_account):
    account = make_account()
    async with httpx.AsyncClient(base_url=app_server.url, timeout=30) as client:
        attempts = [
            client.post("/api/auth/login", json={"username": account.username, "password": f"guess-{i}"})
            for i in range(12)
        ]
        codes = [r.status_code for r in await asyncio.gather(*attempts)]
    assert codes.count(401) == 5  # NC_LOGIN_RATE_LIMIT=5/minute on the test server
    assert codes.count(429) == 7


def test_a_successful_sign_in_forgives_earlier_failures(app_server, make_account):
    account = make_account()
    url = app_server.url + "/api/auth/login"
    for _ in range(4):
        assert httpx.post(url, json={"username": account.username, "password": "wrong-pass"}).status_code == 401
    assert httpx.post(url, json={"username": account.username, "password": account.password}).status_code == 200
    for _ in range(4):  # the count started over
        assert httpx.post(url, json={"username": account.username, "password": "wrong-pass"}).status_code == 401


async def _sign_in_together(url: str, username: str, passwords: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        attempts = [client.post("/api/auth/login", json={"username": username, "password": p}) for p in passwords]
        return [r.status_code for r in await asyncio.gather(*attempts)]


async def test_correct_sign_ins_arriving_together_all_succeed(app_server, make_account):
    # A shared team account, a script, many devices: only failures count against a username.
    account = make_account()
    codes = await _sign_in_together(app_server.url, account.username, [account.password] * 8)
    assert codes == [200] * 8


async def test_twenty_parallel_wrong_guesses_get_exactly_the_allowed_checks(app_server, make_account):
    account = make_account()
    codes = await _sign_in_together(app_server.url, account.username, [f"guess-{i}" for i in range(20)])
    assert (codes.count(401), codes.count(429)) == (5, 15)  # NC_LOGIN_RATE_LIMIT=5/minute


async def test_parallel_limits_hold_across_workers_with_redis(tmp_root, redis_server):
    env = {"REFLEX_REDIS_URL": redis_server.url, "NC_LOGIN_IP_RATE_LIMIT": "1000/minute", "GRANIAN_WORKERS": "3"}
    server = ApiServer(tmp_root / "ratelimit-redis", env)
    server.command = lambda: [*ApiServer.command(server), "--workers", "3"]  # type: ignore[method-assign]
    server.start()
    try:
        server.create_user("shared-team", "team-password-1")
        assert await _sign_in_together(server.url, "shared-team", ["team-password-1"] * 8) == [200] * 8
        codes = await _sign_in_together(server.url, "shared-team", [f"guess-{i}" for i in range(20)])
        assert (codes.count(401), codes.count(429)) == (5, 15)
    finally:
        server.stop()


def _guesses(url: str, forwarded_for: str | list[str], count: int) -> list[int]:
    values = [forwarded_for] * count if isinstance(forwarded_for, str) else forwarded_for
    return [
        httpx.post(
            url + "/api/auth/login",
            json={"username": f"nobody{i}", "password": "x"},
            headers={"x-forwarded-for": value},
        ).status_code
        for i, value in enumerate(values)
    ]


def test_without_trusted_proxies_a_forged_forwarded_address_does_not_dodge_the_limit(tmp_root):
    env = {"NC_LOGIN_RATE_LIMIT": "100/minute", "NC_LOGIN_IP_RATE_LIMIT": "3/minute"}
    server = ApiServer(tmp_root / "proxy-hops-0", env).start()
    try:
        codes = _guesses(server.url, [f"198.51.100.{i}" for i in range(5)], 5)
        assert codes == [401, 401, 401, 429, 429]
    finally:
        server.stop()


def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_limit(tmp_root):
    env = {"NC_LOGIN_RATE_LIMIT": "100/minute", "NC_LOGIN_IP_RATE_LIMIT": "3/minute", "REFLEX_TRUSTED_PROXY_HOPS": "1"}
    server = ApiServer(tmp_root / "proxy-hops-1", env).start()
    try:
        # The proxy appends the address it saw; what the client wrote before it is ignored.
        assert _guesses(server.url, "203.0.113.1", 4) == [401, 401, 401, 429]
        assert _guesses(server.url, "forged-by-client, 203.0.113.1", 1) == [429]
        assert _guesses(server.url, "203.0.113.2", 3) == [401, 401, 401]
    finally:
        server.stop()


def test_sign_in_purges_expired_and_revoked_sessions(tmp_root):
    server = ApiServer(tmp_root / "purge").start()
    try:
        server.create_user("purgee", "purgee-password")
        engine = sa.create_engine(f"sqlite:///{server.workdir / 'app.db'}")
        with engine.begin() as conn:
            user_id = conn.execute(sa.text("SELECT id FROM nc_users WHERE username = 'purgee'")).scalar_one()
            rows = [
                ("expired", "2000-01-01 00:00:00.000000", None),
                ("revoked", "2999-01-01 00:00:00.000000", "2001-01-01 00:00:00.000000"),
                ("live", "2999-01-01 00:00:00.000000", None),
            ]
            for sid, expires, revoked in rows:
                conn.execute(
                    sa.text(
                        "INSERT INTO nc_auth_sessions (id, user_id, created_at, expires_at, revoked_at) "
                        "VALUES (:id, :u, '2000-01-01 00:00:00.000000', :e, :r)"
                    ),
                    {"id": sid, "u": user_id, "e": expires, "r": revoked},
                )
        server.login("purgee", "purgee-password").close()
        with engine.connect() as conn:
            left = set(conn.execute(sa.text("SELECT id FROM nc_auth_sessions")).scalars())
        engine.dispose()
        assert "expired" not in left and "revoked" not in left
        assert "live" in left and len(left) == 2  # and the new sign-in's own session
    finally:
        server.stop()
