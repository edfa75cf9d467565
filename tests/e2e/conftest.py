"""Playwright (sync API) against the built app: a browser per module, contexts per test.

Debian's Chromium is used (`python -m playwright install` cannot download here). Each
browser *context* is one "browser" for the app: its tabs share cookies, localStorage and
the one notification stream; separate contexts are separate people or devices.

Sync Playwright runs its own event loop, so it is started per module (not per session)
and e2e modules hold no asyncio tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.e2e.helpers import TIMEOUT_MS, Operator
from tests.support.processes import AppServer

CHROMIUM = os.environ.get("NC_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Background tabs keep their timers: the tests drive many tabs of one browser at once.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (scripts/bootstrap.sh --test installs it)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    yield browser
    browser.close()


NewContext = Callable[..., BrowserContext]


@pytest.fixture
def new_context(browser: Browser, app_server: AppServer) -> Iterator[NewContext]:
    """Make browser contexts (one per simulated browser) on `app_server` (or `server=`)."""
    made: list[BrowserContext] = []

    def make(server: AppServer | None = None, **options) -> BrowserContext:
        options.setdefault("viewport", {"width": 1100, "height": 800})
        context = browser.new_context(base_url=(server or app_server).url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def context(new_context: NewContext) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def operator(app_server: AppServer, make_account) -> Iterator[Operator]:
    """A signed-in operator (HTTP client) for sending notifications quickly."""
    account = make_account(role="operator", prefix="op")
    client = app_server.login(account.username, account.password)
    yield Operator(account, client)
    client.close()
