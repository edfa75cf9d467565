"""Reflex's built pages run under the Content-Security-Policy with no violation."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.helpers import Operator, item, sign_in_through_form, toast, wait_connected


def _watch_csp(page: Page) -> list[str]:
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


def test_pages_sign_in_and_live_notifications_without_csp_violations(
    page: Page, make_account, operator: Operator
) -> None:
    violations = _watch_csp(page)
    account = make_account(role="operator", prefix="op")

    first = page.goto("/")
    assert "script-src 'self' 'unsafe-eval' 'sha256-" in first.all_headers()["content-security-policy"]
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in_through_form(page, account, path=page.url)
    expect(page).to_have_url(re.compile(r"/$"))
    wait_connected(page)

    [notification_id] = operator.send([account.username], "Under the CSP", content="still live")
    expect(item(page, notification_id)).to_be_visible()
    expect(toast(page, "Under the CSP")).to_be_visible()

    page.goto("/operator")
    expect(page.get_by_test_id("send-title")).to_be_visible()
    page.goto("/login")
    expect(page).to_have_url(re.compile(r"/$"))  # signed in: sent back to the center
    wait_connected(page)
    assert violations == []

    # The listener does see violations: an injected inline script is refused.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__injected = 1'; document.head.appendChild(s); }"
    )
    for _ in range(50):
        if violations:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.__injected") is None
    assert violations and "script-src" in violations[0]


@contextmanager
def _site_framing(url: str) -> Iterator[str]:
    """Another origin (a plain HTTP server on its own port) whose page frames `url`."""
    page = f'<html><body><iframe id="framed" src="{url}"></iframe></body></html>'.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_other_sites_cannot_frame_the_pages(page: Page, app_server) -> None:
    with _site_framing(app_server.url + "/login") as other_site:
        page.goto(other_site)
        expect(page.locator("#framed")).to_be_attached()
        # Chromium replaces a refused frame with its error page.
        for _ in range(100):
            urls = [frame.url for frame in page.frames[1:]]
            if urls and urls[0] not in ("", "about:blank"):
                break
            page.wait_for_timeout(100)
        assert urls and urls[0].startswith("chrome-error://"), urls
        expect(page.frame_locator("#framed").get_by_test_id("login-username")).to_have_count(0)
