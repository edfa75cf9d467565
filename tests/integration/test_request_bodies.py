"""Request bodies the API must refuse cheaply and cleanly: oversized, endless, malformed.

Over a raw socket where httpx would not send what an attacker sends (a huge declared
length with no body, an endless chunked body).
"""

from __future__ import annotations

import os
import select
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import AppServer

LIMIT = 64 * 1024
POST_ROUTES = [
    "/api/auth/login",
    "/api/auth/logout",
    "/api/notifications",
    "/api/notifications/read-all",
    "/api/notifications/notif_0123abcd/read",
]


def _server_rss_bytes(server: AppServer) -> int:
    """Resident memory of every process of the server's process group (reflex, granian, workers)."""
    assert server.proc is not None
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == server.proc.pid:  # field 5 of stat: the process group
            total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")  # field 24: rss in pages
    return total


def _request_head(server: AppServer, path: str, extra: str, cookie: str | None = None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        "Content-Type: application/json",
        *([f"Cookie: nc_session={cookie}"] if cookie else []),
        extra,
        "",
        "",
    ]
    return "\r\n".join(lines).encode()


def _send_endless_chunks(server: AppServer, path: str, cookie: str | None, budget: float = 15.0) -> tuple[bytes, int]:
    """Stream an endless chunked body until the server answers; (answer, bytes we got to send)."""
    chunk = b" " * 16384
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(_request_head(server, path, "Transfer-Encoding: chunked", cookie))
        sock.setblocking(False)
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 0.5)
            if readable:
                sock.setblocking(True)
                sock.settimeout(5)
                return sock.recv(4096), sent
            if writable:
                try:
                    sent += sock.send(framed)
                except (BlockingIOError, InterruptedError):
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    # The server answered and closed with our bytes unread, so its kernel
                    # reset the connection; the answer can still wait in our receive buffer.
                    return _whatever_arrived(sock), sent
        return b"", sent


def _whatever_arrived(sock: socket.socket) -> bytes:
    sock.setblocking(True)
    sock.settimeout(1)
    try:
        return sock.recv(4096)
    except OSError:
        return b""


def test_an_endless_chunked_body_to_login_is_cut_off_with_413(app_server):
    before = _server_rss_bytes(app_server)
    started = time.monotonic()
    answer, sent = _send_endless_chunks(app_server, "/api/auth/login", None)
    assert answer.startswith(b"HTTP/1.1 413"), (answer[:200], sent)
    assert b"larger than" in answer
    assert time.monotonic() - started < 5
    # The server stopped reading near the limit: we could not push more than the socket
    # buffers hold, and its memory did not take in the stream.
    assert sent < 16 * 1024 * 1024
    assert _server_rss_bytes(app_server) - before < 32 * 1024 * 1024


def test_an_endless_chunked_body_to_send_is_cut_off_with_413(app_server, operator):
    answer, _sent = _send_endless_chunks(app_server, "/api/notifications", operator.cookies["nc_session"])
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_huge_declared_length_is_refused_at_once_on_every_route(app_server, path):
    with socket.create_connection(("127.0.0.1", app_server.port), timeout=5) as sock:
        sock.sendall(_request_head(app_server, path, "Content-Length: 100000000"))
        answer = sock.recv(4096)  # no body sent: an answer now means nobody waited for it
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_body_just_under_the_limit_is_still_read(app_server):
    body = b'{"username": "x", "password": "y"}'.ljust(LIMIT, b" ")
    r = httpx.post(app_server.url + "/api/auth/login", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 401
    over = httpx.post(
        app_server.url + "/api/auth/login", content=body + b" ", headers={"content-type": "application/json"}
    )
    assert over.status_code == 413
    assert "larger than" in over.json()["error"]


MALFORMED = [
    ("a 5000-digit integer", b'{"username": "x", "password": "y", "n": ' + b"9" * 5000 + b"}", "too many digits"),
    ("a 5000-digit title", b'{"title": ' + b"1" * 5000 + b', "recipients": "all"}', "too many digits"),
    ("NaN", b'{"username": NaN, "password": "y"}', "NaN"),
    ("Infinity", b'{"username": "x", "password": -Infinity}', "Infinity"),
    ("an out-of-range float", b'{"username": "x", "password": 1e999}', "out of range"),
    ("invalid UTF-8", b'{"username": "\xff\xfe", "password": "y"}', "JSON"),
    ("truncated JSON", b'{"username": "x", ', "JSON"),
    ("a bare string", b'"just a string"', ""),
    ("nested arrays", b"[" * 50000 + b"]" * 50000, ""),
    ("a number where a string goes", b'{"username": 12345678901234567890, "password": 0.5}', ""),
    ("a list of usernames", b'{"username": ["a"], "password": {"b": null}}', ""),
]


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/notifications"])
@pytest.mark.parametrize(("what", "raw", "needle"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_every_json_route_answers_4xx_to_malformed_bodies(app_server, operator, path, what, raw, needle):
    r = operator.post(path, content=raw, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, (what, r.status_code, r.text[:200])
    assert needle in r.json()["error"], r.json()


@pytest.mark.parametrize("path", POST_ROUTES[1:])
def test_routes_without_a_body_ignore_a_malformed_one(app_server, operator, path):
    raw = b'{"n": ' + b"9" * 5000 + b"}"
    r = operator.post(path, content=raw, headers={"content-type": "application/json"})
    assert r.status_code < 500, (path, r.status_code, r.text[:200])
