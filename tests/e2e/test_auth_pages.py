"""Sign-in, redirects and sign-out through the pages (CONTRACT sections 3 and 8)."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import sign_in_through_form, wait_connected


def test_signed_out_visitor_is_sent_to_login_then_lands_on_the_center(page: Page, make_account) -> None:
    account = make_account()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/$"))

    sign_in_through_form(page, account, path=page.url)

    expect(page).to_have_url(re.compile(r"/$"))
    wait_connected(page)
    expect(page.get_by_text(account.username, exact=True)).to_be_visible()


def test_sign_in_returns_to_the_page_asked_for(page: Page, make_account) -> None:
    account = make_account(role="operator", prefix="op")
    page.goto("/operator")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/operator$"))

    sign_in_through_form(page, account, path=page.url)

    expect(page).to_have_url(re.compile(r"/operator/?$"))
    expect(page.get_by_test_id("send-title")).to_be_visible()


def test_wrong_password_shows_the_servers_message(page: Page, make_account) -> None:
    account = make_account()
    account.password = "not-the-password"

    sign_in_through_form(page, account)

    expect(page.get_by_test_id("login-error")).to_have_text(re.compile("invalid username or password", re.I))
    expect(page).to_have_url(re.compile(r"/login"))
    # The error is the form's: nothing was signed in.
    assert page.request.get("/api/auth/me").status == 401


def test_empty_form_shows_which_field_is_missing(page: Page) -> None:
    page.goto("/login")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("username")


def test_signed_in_visitor_skips_the_login_page(context: BrowserContext, page: Page, make_account) -> None:
    account = make_account()
    sign_in_through_form(page, account)
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/login")
    expect(page).to_have_url(re.compile(r"/$"))


def test_logout_ends_the_session(page: Page, make_account) -> None:
    account = make_account()
    sign_in_through_form(page, account)
    wait_connected(page)

    page.get_by_test_id("logout-button").click()

    expect(page).to_have_url(re.compile(r"/login"))
    assert page.request.get("/api/auth/me").status == 401
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/$"))


def test_signing_out_in_one_tab_sends_the_other_tabs_to_login(context: BrowserContext, make_account) -> None:
    account = make_account()
    first = context.new_page()
    sign_in_through_form(first, account)
    wait_connected(first)
    second = context.new_page()
    second.goto("/")
    wait_connected(second)

    first.get_by_test_id("logout-button").click()

    # The server ends the revoked session's stream; the other tab notices and leaves.
    expect(second).to_have_url(re.compile(r"/login/?\?next=/$"), timeout=30_000)
    expect(second.get_by_test_id("login-submit")).to_be_visible()


def test_a_crafted_next_never_leaves_the_site(context: BrowserContext, page: Page, app_server, make_account) -> None:
    # "/<tab>/evil.example": browsers drop the tab and would go to //evil.example.
    account = make_account()
    off_site: list[str] = []
    context.on("request", lambda request: off_site.append(request.url) if "evil" in request.url.split("?")[0] else None)
    context.route(re.compile(r"^https?://evil\.example"), lambda route: route.abort())
    own_root = re.compile("^" + re.escape(app_server.url) + r"/?$")

    sign_in_through_form(page, account, path="/login?next=/%09/evil.example")

    expect(page).to_have_url(own_root)
    wait_connected(page)

    # Signed in already: /login's own check sends the visitor on, and refuses the same tricks.
    for crafted in ("/%0A/evil.example", "/%5Cevil.example", "//evil.example", "https://evil.example/"):
        page.goto(f"/login?next={crafted}")
        expect(page).to_have_url(own_root)
    assert off_site == []
