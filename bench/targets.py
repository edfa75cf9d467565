"""A server as the scenarios see it: where to stream, where to send, how to check idle.

The app and the baseline receive byte-identical send bodies (the app's POST
/api/notifications body); the baseline just ignores the fields it has no use for.
"""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass, field

from bench.cpu import group_cpu_seconds
from bench.lean_http import Connection, marker
from bench.servers import HOST, BaselineServer, BenchApiServer
from tests.support.processes import AppServer


@dataclass
class Target:
    name: str
    port: int
    stream_path: str
    send_path: str
    stats_path: str
    send_status: int
    stream_headers: dict[str, str] = field(default_factory=dict)
    send_headers: dict[str, str] = field(default_factory=dict)
    recipient: str = "nobody"
    pgid: int | None = None  # the server's process group, for its CPU time
    host: str = HOST
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_send(self) -> tuple[int, bytes]:
        """A fresh sequence number and the JSON body carrying its marker in the title."""
        seq = next(self._seq)
        body = {
            "title": marker(seq),
            "content": "A benchmark notification with a sentence of content.",
            "type": "info",
            "priority": "normal",
            "recipients": [self.recipient],
        }
        return seq, json.dumps(body).encode()

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far (NaN if unknown)."""
        return group_cpu_seconds(self.pgid) if self.pgid is not None else float("nan")

    def connection(self) -> Connection:
        return Connection(self.host, self.port, self.send_headers)

    async def open_clients(self) -> int:
        """Streams the server still counts (its stats route)."""
        conn = self.connection()
        try:
            response = await conn.request("GET", self.stats_path)
        finally:
            await conn.close()
        if response.status != 200:
            raise RuntimeError(f"{self.name} stats: HTTP {response.status} {response.body[:200]!r}")
        return int(json.loads(response.body)["totalClients"])


def session_cookie(server: AppServer, username: str, password: str) -> str:
    """A `Cookie` header value for a fresh sign-in of `username`."""
    client = server.login(username, password)
    try:
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    finally:
        client.close()


def app_target(name: str, server: BenchApiServer) -> Target:
    """Creates a recipient and an operator with the real CLI and signs both in."""
    password = secrets.token_urlsafe(16)
    server.create_user("bench-user", password)
    server.create_user("bench-op", password, role="operator")
    return Target(
        name=name,
        port=server.port,
        stream_path="/api/notifications/stream",
        send_path="/api/notifications",
        stats_path="/api/notifications/stats",
        send_status=201,
        stream_headers={"cookie": session_cookie(server, "bench-user", password)},
        send_headers={"cookie": session_cookie(server, "bench-op", password)},
        recipient="bench-user",
        pgid=server.proc.pid if server.proc else None,
    )


def baseline_target(server: BaselineServer) -> Target:
    return Target(
        name="baseline",
        port=server.port,
        stream_path="/stream",
        send_path="/send",
        stats_path="/stats",
        send_status=200,
        recipient="bench-user",
        pgid=server.proc.pid if server.proc else None,
    )
