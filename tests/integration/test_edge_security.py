"""CORS, the event socket's Origin check and security headers, over HTTP against the real app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import APP_ENV
from tests.support.handshake import websocket_handshake
from tests.support.processes import AppServer

FOREIGN = "http://evil.example"
PARTNER = "https://partner.example"
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.fixture(scope="module")
def partner_app(tmp_root: Path) -> Iterator[AppServer]:
    """An app that lists one extra origin and runs behind HTTPS (NC_COOKIE_SECURE)."""
    server = AppServer(
        tmp_root / "partner-app", {**APP_ENV, "NC_CORS_ORIGINS": PARTNER, "NC_COOKIE_SECURE": "1"}
    ).start()
    yield server
    server.stop()


def preflight(server: AppServer, origin: str) -> httpx.Response:
    return httpx.options(
        server.url + "/api/notifications",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_foreign_origin_gets_no_cors_grant(app_server: AppServer, operator: httpx.Client) -> None:
    answer = operator.get("/api/notifications", headers={"Origin": FOREIGN})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers
    # The app's own origin needs no CORS and gets none either.
    assert "access-control-allow-origin" not in operator.get("/api/auth/me", headers={"Origin": app_server.url}).headers

    answer = preflight(app_server, FOREIGN)
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers


def test_listed_origin_gets_cors_grant(partner_app: AppServer) -> None:
    answer = httpx.get(partner_app.url + "/api/auth/me", headers={"Origin": PARTNER})
    assert answer.headers["access-control-allow-origin"] == PARTNER
    assert answer.headers["access-control-allow-credentials"] == "true"
    answer = preflight(partner_app, PARTNER)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == PARTNER
    # Other origins stay out on that app too.
    other = httpx.get(partner_app.url + "/api/health", headers={"Origin": FOREIGN})
    assert "access-control-allow-origin" not in other.headers


def test_listed_origin_may_post_cross_site(partner_app: AppServer) -> None:
    body = {"username": "nobody", "password": "wrong-password"}
    cross_site = {"Sec-Fetch-Site": "cross-site"}
    listed = httpx.post(partner_app.url + "/api/auth/login", json=body, headers={**cross_site, "Origin": PARTNER})
    assert listed.status_code == 401  # reached the route
    foreign = httpx.post(partner_app.url + "/api/auth/login", json=body, headers={**cross_site, "Origin": FOREIGN})
    assert foreign.status_code == 403


def test_without_fetch_metadata_a_foreign_origin_may_not_post_with_the_cookie(
    app_server: AppServer, operator: httpx.Client, make_account
) -> None:
    """Browsers without Sec-Fetch-Site still send Origin (the OWASP fallback): a foreign one
    is refused on unsafe methods; the page's own origin and clients sending no Origin pass."""
    account = make_account()
    body = {"title": "csrf fallback", "recipients": [account.username]}
    for origin in (FOREIGN, "null", app_server.url.replace("http://", "https://"), app_server.url + "1"):
        refused = operator.post("/api/notifications", json=body, headers={"Origin": origin})
        assert refused.status_code == 403, (origin, refused.text)
        assert "origin" in refused.json()["error"].lower(), refused.text
        assert operator.request("DELETE", "/api/notifications/notif_x", headers={"Origin": origin}).status_code == 403
    login = httpx.post(
        app_server.url + "/api/auth/login",
        json={"username": account.username, "password": account.password},
        headers={"Origin": FOREIGN},
    )
    assert login.status_code == 403 and "set-cookie" not in login.headers
    # Nothing of the refused sends arrived.
    inbox = app_server.login(account.username, account.password)
    try:
        assert inbox.get("/api/notifications").json()["items"] == []
    finally:
        inbox.close()
    # The page's own origin, and a client without Origin (not a browser), pass as before.
    assert operator.post("/api/notifications", json=body, headers={"Origin": app_server.url}).status_code == 201
    assert operator.post("/api/notifications", json=body).status_code == 201
    # Safe methods are not refused.
    assert operator.get("/api/auth/me", headers={"Origin": FOREIGN}).status_code == 200
    # A key without the cookie is no ambient credential: let through from anywhere.
    key = operator.post("/api/keys", json={"name": "fallback-probe"}).json()
    bearer = {"Authorization": f"Bearer {key['secret']}", "Origin": FOREIGN}
    assert httpx.post(app_server.url + "/api/notifications", json=body, headers=bearer).status_code == 201


def test_without_fetch_metadata_a_listed_origin_may_post(partner_app: AppServer) -> None:
    body = {"username": "nobody", "password": "wrong-password"}
    listed = httpx.post(partner_app.url + "/api/auth/login", json=body, headers={"Origin": PARTNER})
    assert listed.status_code == 401  # reached the route
    foreign = httpx.post(partner_app.url + "/api/auth/login", json=body, headers={"Origin": FOREIGN})
    assert foreign.status_code == 403


def test_event_socket_refuses_foreign_origins(app_server: AppServer) -> None:
    for origin in (FOREIGN, "null", app_server.url.replace("127.0.0.1", "localhost")):
        assert websocket_handshake(app_server.url, origin).status == 403, origin
    # Polling (not a transport Reflex offers) is refused for the origin before anything else.
    answer = httpx.get(app_server.url + "/_event/?EIO=4&transport=polling", headers={"Origin": FOREIGN})
    assert answer.status_code == 400
    assert "not an accepted origin" in answer.text


def test_event_socket_accepts_own_origin(app_server: AppServer) -> None:
    own = websocket_handshake(app_server.url, app_server.url)
    assert own.status == 101
    assert b'"sid"' in own.first_bytes  # engine.io opened the session
    # Addressed by another name, the page's origin follows the Host header.
    port = app_server.port
    assert websocket_handshake(app_server.url, f"http://localhost:{port}", host=f"localhost:{port}").status == 101
    # Behind a proxy that forwards the public host.
    forwarded = {"X-Forwarded-Host": "notify.example.com"}
    assert websocket_handshake(app_server.url, "https://notify.example.com", extra_headers=forwarded).status == 101
    # Not a browser (no Origin): let through, the session cookie still decides.
    assert websocket_handshake(app_server.url, None).status == 101


def test_event_socket_accepts_listed_origins(partner_app: AppServer) -> None:
    assert websocket_handshake(partner_app.url, PARTNER).status == 101
    assert websocket_handshake(partner_app.url, partner_app.url).status == 101
    assert websocket_handshake(partner_app.url, FOREIGN).status == 403


def _assert_secured(response: httpx.Response, hsts: bool = False) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert re.search(r"script-src 'self' 'unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+')+;", csp), csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert ("strict-transport-security" in response.headers) is hsts


def test_security_headers_on_pages_assets_and_api(app_server: AppServer, operator: httpx.Client) -> None:
    page = httpx.get(app_server.url + "/login/")
    assert page.status_code == 200
    asset = re.search(r'src="(/assets/[^"]+\.js)"', page.text) or re.search(r'href="(/assets/[^"]+\.js)"', page.text)
    responses = [
        page,
        httpx.get(app_server.url + "/"),
        httpx.get(app_server.url + asset.group(1), headers={"Accept-Encoding": "gzip"}),
        httpx.get(app_server.url + "/no-such-page"),
        httpx.get(app_server.url + "/api/health"),
        httpx.get(app_server.url + "/api/notifications"),  # 401
        operator.get("/api/notifications"),
    ]
    with operator.stream("GET", "/api/notifications/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        responses.append(stream)
    for response in responses:
        _assert_secured(response)


def test_hsts_when_served_over_https(partner_app: AppServer) -> None:
    _assert_secured(httpx.get(partner_app.url + "/"), hsts=True)
    _assert_secured(httpx.get(partner_app.url + "/api/health"), hsts=True)


def test_built_pages_reach_the_backend_at_their_own_origin(app_server: AppServer) -> None:
    """The port Reflex bakes into the build is gone: the page's origin decides (any proxy)."""
    page = httpx.get(app_server.url + "/").text
    chunk = re.search(r'"(/assets/reflex-env-[^"]+\.js)"', page).group(1)
    env = httpx.get(app_server.url + chunk).text
    assert f":{app_server.port}" not in env
    assert 'window.location.origin.replace(/^http/,"ws")+"/_event"' in env


def test_a_refused_cross_site_post_leaves_its_connection_usable(app_server: AppServer, operator: httpx.Client) -> None:
    # The guard answers before the route reads the body; an unread body left on the
    # kept-alive connection broke the client's next request on it (seen under load in CI).
    cross_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    body = {"title": "x" * 150, "content": "y" * 4000, "recipients": "all"}
    for _ in range(30):
        assert operator.post("/api/notifications", json=body, headers=cross_site).status_code == 403
        assert operator.get("/api/auth/me").status_code == 200
