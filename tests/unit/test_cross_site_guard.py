"""The cross-site guard (api/csrf.py) on a tiny Starlette app, like Starlette's own middleware
tests: Fetch Metadata first, the Origin header when a browser sends none (OWASP's fallback)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from notification_center.api.csrf import CrossSiteGuard

LISTED = "https://partner.example"


def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _client() -> TestClient:
    app = Starlette(
        routes=[Route("/api/thing", _ok, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])],
        middleware=[Middleware(CrossSiteGuard, trusted_origins=[LISTED], session_cookie="nc_session")],
    )
    return TestClient(app, base_url="http://app.test")


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({}, True),  # neither Origin nor Sec-Fetch-Site: not a browser
        ({"Origin": "http://app.test"}, True),  # the request's own scheme and host
        ({"Origin": "http://APP.test:80/"}, True),  # default port, case, trailing slash
        ({"Origin": LISTED}, True),  # NC_CORS_ORIGINS
        ({"Origin": "http://evil.example"}, False),
        ({"Origin": "https://app.test"}, False),  # another scheme is another origin
        ({"Origin": "http://app.test:8080"}, False),  # another port too
        ({"Origin": "http://app.test.evil.example"}, False),
        ({"Origin": "null"}, False),
        ({"Origin": "garbage"}, False),
        # Behind a TLS proxy that says how the browser addressed it.
        (
            {"Origin": "https://public.example", "X-Forwarded-Host": "public.example", "X-Forwarded-Proto": "https"},
            True,
        ),
        ({"Origin": "http://evil.example", "X-Forwarded-Host": "public.example"}, False),
        # With Fetch Metadata, it decides.
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://app.test"}, True),
        ({"Sec-Fetch-Site": "none"}, True),
        ({"Sec-Fetch-Site": "same-site", "Origin": "http://sub.app.test"}, False),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, False),
        ({"Sec-Fetch-Site": "cross-site", "Origin": LISTED}, True),
        # An API key without the session cookie is no ambient credential.
        ({"Authorization": "Bearer nck_x_y", "Origin": "http://evil.example"}, True),
        ({"Authorization": "Bearer nck_x_y", "Origin": "http://evil.example", "Cookie": "nc_session=s"}, False),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_unsafe_methods(method: str, headers: dict[str, str], allowed: bool) -> None:
    with _client() as client:
        response = client.request(method, "/api/thing", headers=headers)
    if allowed:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/json"
        assert "cross-site" in response.json()["error"]


def test_a_foreign_origin_without_fetch_metadata_is_named_in_the_refusal() -> None:
    with _client() as client:
        response = client.post("/api/thing", headers={"Origin": "http://evil.example", "Cookie": "nc_session=s"})
    assert response.status_code == 403
    assert "Origin" in response.json()["error"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_pass_from_anywhere(method: str) -> None:
    with _client() as client:
        response = client.request(method, "/api/thing", headers={"Origin": "http://evil.example"})
    assert response.status_code in (200, 405)  # OPTIONS: no such method on the route, not refused


def test_only_api_paths_are_guarded() -> None:
    app = Starlette(routes=[Route("/page", _ok, methods=["POST"])], middleware=[Middleware(CrossSiteGuard)])
    with TestClient(app, base_url="http://app.test") as client:
        assert client.post("/page", headers={"Origin": "http://evil.example"}).status_code == 200
