"""The bell in every page's header: unseen badge, popover inbox, seen across tabs,
keyboard use, the live region, the tab title, the favicon, icons instead of emoji.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import open_center, sign_in_with_cookie, wait_connected

PHONE = {"width": 390, "height": 844}
# Emoji and pictographs (the connection indicator used 🟢/🟡/🔴), and the variation selector.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")


def _bell_count(page: Page, count: int) -> None:
    badge = page.get_by_test_id("bell-badge")
    expect(badge).to_have_attribute("data-count", str(count))
    if count:
        expect(badge).to_have_text(str(count))
        expect(badge).to_be_visible()
    else:
        expect(badge).to_be_hidden()


def _open_page(context: BrowserContext, path: str) -> Page:
    page = context.new_page()
    page.goto(path)
    expect(page.get_by_test_id("bell-button")).to_be_visible()
    return page


def _focused_testid(page: Page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.getAttribute('data-testid')")


def _stream_count(operator, user_id: str) -> int:
    stats = operator.client.get("/api/notifications/stats").json()
    return stats["userClientCounts"].get(user_id, 0)


def _wait_for(read, wanted, page: Page | None, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while (got := read()) != wanted:
        assert time.monotonic() < deadline, f"still {got!r}, wanted {wanted!r}"
        time.sleep(0.2)


def _user_id(app_server, account) -> str:
    client = app_server.login(account.username, account.password)
    try:
        return client.get("/api/auth/me").json()["id"]
    finally:
        client.close()


def test_bell_on_every_page_with_unseen_count_and_title(context, app_server, make_account, operator) -> None:
    user = make_account(prefix="bell")
    for n in range(3):
        operator.send([user.username], f"Unseen {n}")
    user_id = _user_id(app_server, user)
    sign_in_with_cookie(context, app_server, user)

    for path, title in (
        ("/", "(3) Notifications"),
        ("/operator", "(3) Operator · Notification Center"),
        ("/example/bell", "(3) My app"),
    ):
        page = _open_page(context, path)
        _bell_count(page, 3)
        expect(page).to_have_title(title)
        # Each page holds the stream itself (this is the browser's only tab).
        _wait_for(lambda: _stream_count(operator, user_id), 1, page)
        page.close()
        _wait_for(lambda: _stream_count(operator, user_id), 0, None)

    # Live: a new one raises the badge and the title without a reload.
    page = _open_page(context, "/operator")
    _bell_count(page, 3)
    operator.send([user.username], "One more")
    _bell_count(page, 4)
    expect(page).to_have_title("(4) Operator · Notification Center")
    expect(page.get_by_test_id("bell-live")).to_have_text("New notification: One more")
    expect(page.get_by_test_id("bell-live")).to_have_attribute("aria-live", "polite")
