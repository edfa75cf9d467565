"""The server is stopped and started again under an open notification center: the
indicator leaves "connected", comes back by itself, and what is sent afterwards arrives.

Uses its own app server (same port across the restart, same database and secret key, so
the browser's session cookie stays valid), built into its own web folder so that its
frontend build never replaces the shared server's.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import APP_ENV, Account
from tests.e2e.helpers import Operator, item, open_center, sign_in_with_cookie, toast, unread_badge
from tests.support.processes import AppServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def restart_server(tmp_root: Path) -> Iterator[AppServer]:
    server = AppServer(tmp_root / "restart", dict(APP_ENV)).start()
    yield server
    server.stop()


def _account(server: AppServer, role: str) -> Account:
    account = Account(f"r{secrets.token_hex(4)}", secrets.token_urlsafe(12), role)
    server.create_user(account.username, account.password, role)
    return account


def test_indicator_follows_a_server_restart_and_delivery_resumes(new_context, restart_server: AppServer) -> None:
    user = _account(restart_server, "user")
    operator_account = _account(restart_server, "operator")
    context = new_context(server=restart_server)
    sign_in_with_cookie(context, restart_server, user)
    page = open_center(context)
    status = page.get_by_test_id("connection-status")

    restart_server.stop()
    expect(status).not_to_have_attribute("data-state", "connected", timeout=15_000)
    expect(status).to_have_text(re.compile("Disconnected|Connecting"))
    restart_server.start()

    # Back by itself (no reload, no click), then live delivery works again.
    expect(status).to_have_attribute("data-state", "connected", timeout=120_000)
    client = restart_server.login(operator_account.username, operator_account.password)
    try:
        (notification_id,) = Operator(operator_account, client).send([user.username], "After the restart")
    finally:
        client.close()
    expect(item(page, notification_id)).to_be_visible()
    expect(toast(page, "After the restart")).to_be_visible()
    expect(unread_badge(page)).to_have_text("1")
