"""The app behind a real nginx (the README's configuration): stream, resume, event socket."""

from __future__ import annotations

import httpx

from tests.support.handshake import websocket_handshake
from tests.support.nginx import NginxProxy
from tests.support.processes import AppServer
from tests.support.sse import StreamReader


async def _send(op: httpx.AsyncClient, username: str, title: str) -> str:
    answer = await op.post("/api/notifications", json={"title": title, "recipients": [username]})
    assert answer.status_code == 201, answer.text
    return answer.json()["ids"][0]


async def test_stream_and_resume_through_the_proxy(app_server: AppServer, nginx_proxy: NginxProxy, make_account):
    account = make_account()
    operator = make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(account.username, account.password) as direct,
        app_server.async_login(operator.username, operator.password) as op,
        httpx.AsyncClient(base_url=nginx_proxy.url, cookies=direct.cookies, timeout=10) as proxied,
    ):
        reader = await StreamReader(proxied).start()
        try:
            await reader.wait_for(lambda r: r.of_type("connected"))
            assert reader.headers["content-type"].startswith("text/event-stream")
            first = await _send(op, account.username, "through nginx")
            assert await reader.wait_notifications(1, timeout=5) == [first]  # not held in a buffer
            cursor = reader.last_cursor()
        finally:
            await reader.close()

        missed = [await _send(op, account.username, f"missed {n}") for n in range(2)]
        resumed = await StreamReader(proxied, last_event_id=cursor).start()
        try:
            await resumed.wait_notifications(2)
            assert resumed.of_type("connected")[0].data["resumed"] is True
            assert resumed.notification_ids() == missed
        finally:
            await resumed.close()


def test_event_socket_through_the_proxy(nginx_proxy: NginxProxy) -> None:
    accepted = websocket_handshake(nginx_proxy.url, nginx_proxy.url)
    assert accepted.status == 101
    assert b'"sid"' in accepted.first_bytes
    assert websocket_handshake(nginx_proxy.url, "http://evil.example").status == 403
    # The app's own port is another origin than the proxy's.
    direct_origin = nginx_proxy.url.replace(str(nginx_proxy.port), str(nginx_proxy.upstream_port))
    assert websocket_handshake(nginx_proxy.url, direct_origin).status == 403
