"""The stream component picks its transport (issue 18), in a real Chromium behind real nginx.

Behind an nginx that buffers the SSE stream (the stream looks connected and stays silent),
the page must end on the WebSocket and get a notification live; behind one that does not
pass the stream's upgrade, it must stay on SSE, and a browser that remembered WebSocket
must come back to SSE. Each with eight tabs of one browser sharing the one stream (the app
allows four streams per user, so eight tabs only work if they share).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import NewContext
from tests.e2e.helpers import item, sign_in_with_cookie, wait_connected
from tests.support.nginx import NginxProxy

TABS = 8
LIVE_WITHIN_MS = 5_000


@pytest.fixture(scope="module")
def buffering_proxy(app_server, tmp_root: Path) -> Iterator[NginxProxy]:
    proxy = NginxProxy(tmp_root / "nginx-buffering", app_server.port, variant="buffering").start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def no_upgrade_proxy(app_server, tmp_root: Path) -> Iterator[NginxProxy]:
    proxy = NginxProxy(tmp_root / "nginx-no-upgrade", app_server.port, variant="no-stream-upgrade").start()
    yield proxy
    proxy.stop()


def open_tabs(context: BrowserContext, count: int = TABS) -> list[Page]:
    tabs = []
    for _ in range(count):
        page = context.new_page()
        page.goto("/")
        tabs.append(page)
    for page in tabs:
        wait_connected(page)
    return tabs


def status(page: Page):
    return page.get_by_test_id("connection-status")


def transport_cookie(context: BrowserContext) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == "nc_stream_transport"), None)


def assert_live_everywhere(tabs: list[Page], operator, username: str, title: str) -> None:
    started = time.monotonic()
    (notification_id,) = operator.send([username], title)
    for tab in tabs:
        expect(item(tab, notification_id)).to_be_visible(timeout=LIVE_WITHIN_MS)
    assert time.monotonic() - started < LIVE_WITHIN_MS / 1000 + 1


def test_behind_a_buffering_proxy_the_page_ends_on_websocket_and_gets_notifications_live(
    new_context: NewContext, buffering_proxy: NginxProxy, app_server, make_account, operator
) -> None:
    context = new_context(server=buffering_proxy)
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    tabs = open_tabs(context)
    for tab in tabs:
        expect(status(tab)).to_have_attribute("data-transport", "websocket")
        expect(status(tab)).to_have_attribute("data-state", "connected")
    assert transport_cookie(context) == "websocket"  # remembered for the browser session
    assert_live_everywhere(tabs, operator, user.username, "Through the buffering proxy")

    # A tab opened later starts on the remembered transport at once.
    late = context.new_page()
    late.goto("/")
    wait_connected(late)
    expect(status(late)).to_have_attribute("data-transport", "websocket")


def test_behind_a_proxy_refusing_the_upgrade_the_page_stays_on_sse(
    new_context: NewContext, no_upgrade_proxy: NginxProxy, app_server, make_account, operator
) -> None:
    context = new_context(server=no_upgrade_proxy)
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    tabs = open_tabs(context)
    for tab in tabs:
        expect(status(tab)).to_have_attribute("data-transport", "sse")
    assert_live_everywhere(tabs, operator, user.username, "Through the no-upgrade proxy")
    expect(status(tabs[0])).to_have_attribute("data-transport", "sse")


def test_a_remembered_websocket_that_cannot_get_through_falls_back_to_sse(
    new_context: NewContext, no_upgrade_proxy: NginxProxy, app_server, make_account, operator
) -> None:
    context = new_context(server=no_upgrade_proxy)
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    context.add_cookies([{"name": "nc_stream_transport", "value": "websocket", "url": no_upgrade_proxy.url}])
    (page,) = open_tabs(context, 1)  # connected: so by then it is on SSE
    expect(status(page)).to_have_attribute("data-transport", "sse")
    assert transport_cookie(context) == "sse"
    assert_live_everywhere([page], operator, user.username, "Back on SSE")
