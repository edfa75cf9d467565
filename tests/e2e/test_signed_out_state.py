"""After sign-out, nothing of the previous user travels to the tab again.

A Reflex tab's state lives on the server under the tab's token and is sent whole on
every hydrate. These tests read what the server sends over the websocket (Playwright's
frame events): before sign-out the user's notification is in it (so the observation
works), afterwards not in a single frame, whether the tab signed out itself, its
session was ended elsewhere, or the user signed out everywhere.
"""

from __future__ import annotations

import re
import secrets
import time

from playwright.sync_api import BrowserContext, Page, Response, WebSocket, expect

from tests.e2e.helpers import Operator, item, open_center, sign_in_with_cookie
from tests.support.processes import AppServer


class Frames:
    """Every websocket frame the page receives, tagged with the phase of the test."""

    def __init__(self, page: Page) -> None:
        self.phase = "before"
        self.received: list[tuple[str, str]] = []
        page.on("websocket", self._socket)

    def after_response_to(self, page: Page, path: str) -> None:
        """Switch to "after" once the server answered `path` (the session is revoked then;
        a frame about an event handled just before may still arrive until that moment)."""

        def switch(response: Response) -> None:
            if response.url.endswith(path):
                self.phase = "after"

        page.on("response", switch)

    def _socket(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
        self.received.append((self.phase, text))

    def containing(self, secret: str, phase: str) -> list[str]:
        return [text for tag, text in self.received if tag == phase and secret in text]

    def count(self, phase: str) -> int:
        return sum(1 for tag, _ in self.received if tag == phase)


def _signed_in_with_secret(context: BrowserContext, app_server: AppServer, account, operator: Operator):
    secret = f"secret-{secrets.token_hex(6)}"
    (notification_id,) = operator.send([account.username], secret)
    sign_in_with_cookie(context, app_server, account)
    page = context.new_page()
    frames = Frames(page)
    page.goto("/")
    expect(item(page, notification_id)).to_contain_text(secret)
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    assert frames.containing(secret, "before"), "the observation does not see the list"
    # Connecting starts a resync (a list read); on a busy machine its answer may still be on
    # its way. Sign-out must not overtake work the tab asked for while signed in, so wait
    # until the tab is quiet: what the tests look at is what comes after sign-out.
    _quiet(page, frames, "before")
    return page, frames, secret


def _quiet(page: Page, frames: Frames, phase: str) -> None:
    last, deadline = -1, time.monotonic() + 10
    while (now := frames.count(phase)) != last and time.monotonic() < deadline:
        last = now
        page.wait_for_timeout(700)


def _settle(page: Page, frames: Frames) -> None:
    """The login page has hydrated and nothing more is arriving."""
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    _quiet(page, frames, "after")
    assert frames.count("after") > 0, "no hydrate seen after sign-out"


def test_sign_out_sends_nothing_of_the_user_again(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    page, frames, secret = _signed_in_with_secret(context, app_server, make_account(), operator)
    frames.after_response_to(page, "/api/auth/logout")
    page.get_by_test_id("logout-button").click()
    _settle(page, frames)
    page.reload()  # a reload hydrates the tab's state again
    _settle(page, frames)
    assert frames.containing(secret, "after") == []


def test_session_ended_elsewhere_is_not_hydrated_with_its_data(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    page, frames, secret = _signed_in_with_secret(context, app_server, make_account(), operator)
    # Leave the page (its state stays on the server under this tab's token), end the
    # session from elsewhere, come back: the first thing the server sends is a hydrate.
    page.goto("about:blank")
    cookie = next(c["value"] for c in context.cookies() if c["name"] == "nc_session")
    response = page.request.post(app_server.url + "/api/auth/logout", headers={"Cookie": f"nc_session={cookie}"})
    assert response.ok
    frames.phase = "after"
    page.goto("/")
    _settle(page, frames)
    assert frames.containing(secret, "after") == []


def test_sign_out_everywhere_button(new_context, app_server: AppServer, make_account, operator: Operator) -> None:
    account = make_account()
    laptop_context, phone_context = new_context(), new_context()
    laptop, frames, secret = _signed_in_with_secret(laptop_context, app_server, account, operator)
    sign_in_with_cookie(phone_context, app_server, account)
    phone = open_center(phone_context)

    frames.after_response_to(laptop, "/api/auth/logout-all")
    laptop.get_by_test_id("logout-all-button").click()

    _settle(laptop, frames)
    expect(phone).to_have_url(re.compile(r"/login"))  # its stream ended: revoked at once
    assert laptop.request.get("/api/auth/me").status == 401
    assert phone.request.get("/api/auth/me").status == 401
    assert frames.containing(secret, "after") == []
