"""Email on /preferences in the browser (issue 21): the grid's email column saves each
category's choice (critical ones show "always" and cannot change), and an address is
confirmed through the link mailed to it (read from the suite's real SMTP server)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import sign_in_with_cookie


def _preferences_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.goto("/preferences")
    expect(page.get_by_test_id("pref-general-email")).to_be_visible()
    return page


def _saved_choice(client, slug: str, wanted: str) -> None:
    """Wait until the server has the choice (the page saves it through its event socket)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if client.get("/api/preferences").json()["preferences"][slug]["email"] == wanted:
            return
        time.sleep(0.1)
    raise AssertionError(f"{slug}: email never became {wanted!r}")


def test_the_grid_saves_email_choices(context: BrowserContext, app_server, make_account) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    page = _preferences_page(context)
    choice = page.get_by_test_id("pref-general-email")
    expect(choice).to_have_value("unread")
    choice.select_option("digest")
    client = app_server.login(user.username, user.password)
    try:
        _saved_choice(client, "general", "digest")
        page.reload()
        expect(page.get_by_test_id("pref-general-email")).to_have_value("digest")
        page.get_by_test_id("pref-general-email").select_option("never")
        _saved_choice(client, "general", "never")
        page.reload()
        expect(page.get_by_test_id("pref-general-email")).to_have_value("never")
    finally:
        client.close()
    security = page.get_by_test_id("pref-security-email")
    expect(security).to_have_value("always")
    expect(security).to_be_disabled()


def test_an_address_is_confirmed_through_the_mailed_link(
    context: BrowserContext, app_server, make_account, smtp_server
) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    page = _preferences_page(context)
    address = f"{user.username}@example.com"
    page.get_by_test_id("email-address").fill(address)
    page.get_by_test_id("email-save").click()
    status = page.get_by_test_id("email-status")
    expect(status).to_have_attribute("data-verified", "false")
    expect(status).to_contain_text(address)
    (mail,) = smtp_server.wait_for(lambda: smtp_server.to(address), timeout=20)
    link = re.search(r"\S+/api/email/confirm\?token=\S+", mail.get_body(("plain",)).get_content()).group(0)
    confirmed = context.new_page()
    confirmed.goto(link)
    expect(confirmed.get_by_test_id("email-confirmed")).to_contain_text(address)
    page.reload()
    expect(page.get_by_test_id("email-status")).to_have_attribute("data-verified", "true")
    expect(page.get_by_test_id("email-status")).to_contain_text(address)
    client = app_server.login(user.username, user.password)
    try:
        me = client.get("/api/auth/me").json()
        assert (me["email"], me["emailVerified"]) == (address, True)
    finally:
        client.close()
