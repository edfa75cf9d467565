"""A raw WebSocket opening handshake, as a browser page on any origin could send it."""

from __future__ import annotations

import base64
import os
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class HandshakeResult:
    status: int
    # Bytes received after the response head (the engine.io OPEN frame, when accepted).
    first_bytes: bytes


def websocket_handshake(
    base_url: str,
    origin: str | None,
    host: str | None = None,
    path: str = "/_event/?EIO=4&transport=websocket",
    extra_headers: dict[str, str] | None = None,
    timeout: float = 5,
) -> HandshakeResult:
    """Open `path` as a websocket with this Origin; return the status and what followed."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port or 80), timeout=timeout) as sock:
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host or url.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin is not None:
            lines.append(f"Origin: {origin}")
        lines += [f"{name}: {value}" for name, value in (extra_headers or {}).items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status == 101:
            # The server speaks first on an accepted engine.io socket: wait for that frame.
            deadline = time.monotonic() + timeout
            while b'"sid"' not in rest and time.monotonic() < deadline:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                rest += chunk
        return HandshakeResult(status, rest)
