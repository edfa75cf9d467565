"""The operator console in a browser: charts that start empty ("No data yet") and fill as
notifications are sent and delivered; the sent history whose read figure moves while a
user reads. Screenshots of both, for a person to look at.

A server of its own (fresh database), so "empty" really means nothing was sent yet.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import APP_ENV, Account
from tests.e2e.helpers import Operator, open_center, sign_in_with_cookie
from tests.support.processes import AppServer

CHARTS = ("chart-connections", "chart-sends", "chart-latency", "chart-read-rate")


@pytest.fixture(scope="module")
def console_server(tmp_root: Path) -> Iterator[AppServer]:
    server = AppServer(tmp_root / "console", dict(APP_ENV)).start()
    yield server
    server.stop()


def _account(server: AppServer, role: str = "user", prefix: str = "u") -> Account:
    account = Account(f"{prefix}{secrets.token_hex(3)}", secrets.token_urlsafe(12), role)
    server.create_user(account.username, account.password, role)
    return account


def _item(page: Page, title: str):
    # The send's answer lists ids in no particular recipient order: find the reader's by title.
    return page.locator('[data-testid="notification-item"]', has_text=title)


def _points(page: Page, chart: str):
    return page.get_by_test_id(chart)


def _has_points(page: Page, chart: str) -> None:
    expect(_points(page, chart)).not_to_have_attribute("data-points", "0", timeout=30_000)
    expect(page.get_by_test_id(chart).locator(".recharts-surface").first).to_be_visible()
    expect(page.get_by_test_id(f"{chart}-empty")).to_have_count(0)


def test_console_charts_and_history_move_live(new_context, console_server, artifacts_dir: Path) -> None:
    op_account, reader, offline = (
        _account(console_server, "operator", "olga"),
        _account(console_server, prefix="rita"),
        _account(console_server, prefix="otto"),
    )
    console = new_context(server=console_server, viewport={"width": 1280, "height": 900})
    sign_in_with_cookie(console, console_server, op_account)
    operator_page = console.new_page()
    operator_page.goto("/operator")
    # Nothing sent yet: each send-based chart says so instead of drawing empty axes.
    for chart in ("chart-sends", "chart-latency", "chart-read-rate"):
        expect(operator_page.get_by_test_id(f"{chart}-empty")).to_contain_text("No data yet")
        expect(operator_page.get_by_test_id(chart)).to_have_attribute("data-points", "0")
    operator_page.get_by_test_id("chart-read-rate").screenshot(path=artifacts_dir / "operator-chart-empty.png")

    # The reader is online (the center page holds a stream); the other one is not.
    user_context = new_context(server=console_server)
    sign_in_with_cookie(user_context, console_server, reader)
    center = open_center(user_context)
    client = console_server.login(op_account.username, op_account.password)
    try:
        op = Operator(op_account, client)
        for i in range(3):
            op.send([reader.username, offline.username], f"Release {i}", type="info")
        for i in range(3):
            expect(_item(center, f"Release {i}")).to_be_visible()
    finally:
        client.close()

    for chart in CHARTS:
        _has_points(operator_page, chart)
    operator_page.wait_for_timeout(600)  # let the charts settle
    operator_page.screenshot(path=artifacts_dir / "operator-console-charts.png", full_page=True)

    # The history, from the console's link: the newest send, delivered to 1 of 2, read by none.
    operator_page.get_by_test_id("history-link").click()
    expect(operator_page).to_have_url(f"{console_server.url}/operator/history")
    rows = operator_page.get_by_test_id("history-row")
    expect(rows).to_have_count(3)
    newest = rows.first
    expect(newest).to_have_attribute("data-recipients", "2")
    expect(newest).to_have_attribute("data-delivered", "1")
    expect(newest).to_have_attribute("data-read", "0")

    # The reader reads the newest one in their own page: the open history page follows.
    _item(center, "Release 2").get_by_test_id("mark-read").click()
    expect(newest).to_have_attribute("data-read", "1")
    expect(newest).to_have_attribute("data-seen", "1")
    expect(rows.nth(1)).to_have_attribute("data-read", "0")
    operator_page.screenshot(path=artifacts_dir / "operator-history.png", full_page=True)

    # The detail view: per recipient, who got, saw and read it.
    newest.get_by_test_id("history-open").click()
    expect(operator_page.get_by_test_id("history-detail")).to_be_visible()
    rows_by_user = operator_page.get_by_test_id("recipient-row")
    expect(rows_by_user).to_have_count(2)
    read_row = operator_page.locator(f'[data-testid="recipient-row"][data-username="{reader.username}"]')
    expect(read_row.locator("td").nth(3)).not_to_have_text("—")
    unread_row = operator_page.locator(f'[data-testid="recipient-row"][data-username="{offline.username}"]')
    expect(unread_row.locator("td").nth(1)).to_have_text("—")  # never connected: not delivered
    operator_page.screenshot(path=artifacts_dir / "operator-history-detail.png", full_page=True)

    # The charts' read rate follows too (back on the console).
    operator_page.goto("/operator")
    _has_points(operator_page, "chart-read-rate")


def test_history_page_is_for_operators(new_context, console_server) -> None:
    user = _account(console_server)
    context = new_context(server=console_server)
    sign_in_with_cookie(context, console_server, user)
    page = context.new_page()
    page.goto("/operator/history")
    expect(page.get_by_test_id("operator-forbidden")).to_be_visible()
    expect(page.get_by_test_id("history-row")).to_have_count(0)
