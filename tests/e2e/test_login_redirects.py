"""No open redirect after sign-in: whatever `next` holds, the browser stays on this origin.

Each form below once reached (or could reach) another host through the sign-in page's
script, the server's redirect of an already signed-in visitor, or the router. Requests to
any other host are recorded and refused, so a navigation away shows up as a recorded
request even when the host does not resolve.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.helpers import sign_in_with_cookie
from tests.support.processes import AppServer

NEXT_VALUES = [
    "//evil.example",
    "///evil.example",
    "/./evil.example",
    "/.//evil.example",
    "/.%2e/evil.example",
    "/.%2e//evil.example",
    "/%2e/%2fevil.example",
    "/%2e%2e//evil.example",
    "/a/..//evil.example",
    "/a/%2e%2e//evil.example",
    "/%2f%2fevil.example",
    "/%252f%252fevil.example",
    "/%5cevil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "https://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(document.domain)",
    "//evil.example@127.0.0.1",
]


def _guard(context: BrowserContext, server: AppServer) -> list[str]:
    """Abort and record every request that leaves the app's origin."""
    origin = urlsplit(server.url).netloc
    left: list[str] = []

    def handle(route: Route) -> None:
        if urlsplit(route.request.url).netloc != origin:
            left.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", handle)
    return left


def _assert_stayed(page: Page, server: AppServer, left: list[str], raw: str) -> None:
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.wait_for_load_state()
    assert urlsplit(page.url).netloc == urlsplit(server.url).netloc, (raw, page.url)
    assert left == [], (raw, left)


def test_sign_in_form_never_leaves_the_origin(new_context, app_server: AppServer, make_account) -> None:
    account = make_account()
    context = new_context()
    left = _guard(context, app_server)
    page = context.new_page()
    for raw in NEXT_VALUES:
        page.goto("about:blank")  # the signed-in page would follow the cleared cookie to /login
        context.clear_cookies()
        page.goto("/login?next=" + quote(raw, safe=""))
        expect(page.get_by_test_id("login-submit")).to_be_visible()
        page.get_by_test_id("login-username").fill(account.username)
        page.get_by_test_id("login-password").fill(account.password)
        page.get_by_test_id("login-submit").click()
        _assert_stayed(page, app_server, left, raw)


def test_signed_in_visitor_on_login_is_never_redirected_away(new_context, app_server: AppServer, make_account) -> None:
    account = make_account()
    context = new_context()
    sign_in_with_cookie(context, app_server, account)
    left = _guard(context, app_server)
    page = context.new_page()
    for raw in NEXT_VALUES:
        page.goto("/login?next=" + quote(raw, safe=""))
        _assert_stayed(page, app_server, left, raw)


@pytest.mark.parametrize(("raw", "path"), [("/operator", "/operator"), ("/a/../operator", "/operator")])
def test_same_origin_targets_still_work(new_context, app_server: AppServer, make_account, raw: str, path: str) -> None:
    account = make_account(role="operator", prefix="op")
    page = new_context().new_page()
    page.goto("/login?next=" + quote(raw, safe=""))
    page.get_by_test_id("login-username").fill(account.username)
    page.get_by_test_id("login-password").fill(account.password)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "/?$"))
    expect(page.get_by_test_id("send-title")).to_be_visible()
