"""The app behind a real nginx (the README's configuration): stream, resume, event socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import APP_ENV
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


@pytest.fixture(scope="module")
def trusting_app(tmp_root: Path) -> Iterator[tuple[AppServer, NginxProxy]]:
    """An app that trusts one proxy hop, behind nginx, with a small per-address sign-in limit."""
    env = {**APP_ENV, "REFLEX_TRUSTED_PROXY_HOPS": "1", "NC_LOGIN_IP_RATE_LIMIT": "3/minute"}
    server = AppServer(tmp_root / "trusting-app", env).start()
    proxy = NginxProxy(tmp_root / "trusting-nginx", server.port).start()
    yield server, proxy
    proxy.stop()
    server.stop()


def _failed_sign_ins(proxy: NginxProxy, source: str, count: int, forwarded_for: str | None = None) -> list[int]:
    """Wrong passwords (a new username each time) sent to nginx from loopback address `source`."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=proxy.url, transport=transport, timeout=10) as client:
        return [
            client.post(
                "/api/auth/login", json={"username": f"nobody{n}", "password": "wrong-password"}, headers=headers
            ).status_code
            for n in range(count)
        ]


def test_sign_in_limit_counts_each_client_behind_the_proxy(trusting_app) -> None:
    _, proxy = trusting_app
    # Two clients on different addresses share one nginx: each has its own per-address limit.
    assert _failed_sign_ins(proxy, "127.0.0.2", 4) == [401, 401, 401, 429]
    assert _failed_sign_ins(proxy, "127.0.0.3", 3) == [401, 401, 401]
    # What a client writes into X-Forwarded-For itself does not give it a fresh address.
    assert _failed_sign_ins(proxy, "127.0.0.2", 1, forwarded_for="198.51.100.7") == [429]
