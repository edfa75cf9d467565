"""The pages behind a real nginx on another port: everything goes through the proxy."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import NewContext
from tests.e2e.helpers import Operator, item, sign_in_through_form, toast, wait_connected
from tests.support.nginx import NginxProxy


def test_pages_and_event_socket_go_through_the_proxy(
    new_context: NewContext, nginx_proxy: NginxProxy, make_account, operator: Operator
) -> None:
    context = new_context()
    page = context.new_page()
    sockets: list[str] = []
    requests: list[str] = []
    errors: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    account = make_account(role="operator", prefix="op")

    page.goto(nginx_proxy.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in_through_form(page, account, path=page.url)
    expect(page).to_have_url(re.compile(re.escape(nginx_proxy.url) + r"/$"))
    wait_connected(page)
    expect(page.get_by_text(account.username, exact=True)).to_be_visible()  # state came over the socket

    [notification_id] = operator.send([account.username], "Via nginx")
    expect(item(page, notification_id)).to_be_visible()
    expect(toast(page, "Via nginx")).to_be_visible()

    page.goto(nginx_proxy.url + "/operator")
    expect(page.get_by_test_id("send-title")).to_be_visible()

    proxy_ws = f"ws://127.0.0.1:{nginx_proxy.port}/_event"
    assert sockets and all(url.startswith(proxy_ws) for url in sockets), sockets
    assert all(url.startswith(nginx_proxy.url) for url in requests), [
        url for url in requests if not url.startswith(nginx_proxy.url)
    ]
    assert not [e for e in errors if "WebSocket" in e or "Content Security Policy" in e], errors
