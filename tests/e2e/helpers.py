"""Helpers for the e2e tests: signing in, finding things on the pages, sending."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.conftest import Account
from tests.support.processes import AppServer

TIMEOUT_MS = 20_000


@dataclass
class Operator:
    """An operator account with an HTTP client, for sending notifications quickly."""

    account: Account
    client: httpx.Client

    def send(self, recipients: list[str] | str, title: str, **fields) -> list[str]:
        body = {"title": title, "recipients": recipients, **fields}
        response = self.client.post("/api/notifications", json=body)
        assert response.status_code == 201, response.text
        return response.json()["ids"]


def sign_in_with_cookie(context: BrowserContext, server: AppServer, account: Account) -> None:
    """Sign the whole context in through the API (fast); the UI sign-in has its own tests."""
    client = server.login(account.username, account.password)
    try:
        cookie = client.cookies.get("nc_session")
    finally:
        client.close()
    assert cookie, "login did not set nc_session"
    context.add_cookies(
        [{"name": "nc_session", "value": cookie, "url": server.url, "httpOnly": True, "sameSite": "Lax"}]
    )


def sign_in_through_form(page: Page, account: Account, path: str = "/login") -> None:
    page.goto(path)
    page.get_by_test_id("login-username").fill(account.username)
    page.get_by_test_id("login-password").fill(account.password)
    page.get_by_test_id("login-submit").click()


def open_center(context: BrowserContext, path: str = "/") -> Page:
    """A new tab on the notification center, once its stream is connected."""
    page = context.new_page()
    page.goto(path)
    wait_connected(page)
    return page


def wait_connected(page: Page, timeout: float = TIMEOUT_MS) -> None:
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected", timeout=timeout)
    expect(page.get_by_test_id("notification-list")).to_be_visible()


def unread_badge(page: Page) -> Locator:
    return page.get_by_test_id("unread-count")


def item(page: Page, notification_id: str) -> Locator:
    return page.locator(f'[data-testid="notification-item"][data-notification-id="{notification_id}"]')


def toast(page: Page, text: str) -> Locator:
    return page.locator("[data-sonner-toast]", has_text=text)
