"""Scenario F: open browser tabs, each holding Reflex's event websocket with hydrated state.

A real tab's first websocket message is engine.io/socket.io's CONNECT packet carrying the
page's hydrate event (Reflex 0.10 sends it in the CONNECT's auth). So the bench loads the
page once in Chromium, records the websocket URL and every frame the page sends until
hydrated, and then replays those frames over N raw websockets, each with a fresh state
token, the same cookie and the page's Origin: the server does exactly what it does for N
tabs. Each socket is an asyncio.Protocol that answers engine.io pings and nothing else.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import struct
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("NC_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@dataclass(frozen=True)
class TabRecording:
    path: str  # /_event/?EIO=4&transport=websocket&token=...
    token: str
    frames: list[str]  # text frames the page sent, in order, up to the hydrate
    subprotocol: str | None


def record_tab(base_url: str, cookie: str, page_path: str = "/") -> TabRecording:
    """Load the page signed in; keep the event socket's URL and what the page sent."""
    from playwright.sync_api import sync_playwright

    name, _, value = cookie.partition("=")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": name, "value": value, "url": base_url}])
            page = context.new_page()
            sockets: list = []

            def on_socket(ws) -> None:
                sent: list = []
                sockets.append((ws, sent))
                ws.on("framesent", lambda frame: sent.append(frame))

            page.on("websocket", on_socket)
            page.goto(base_url + page_path)
            page.wait_for_timeout(3000)  # hydrate and the first events
            ws, sent = next((s for s in sockets if "/_event" in s[0].url), (None, []))
            if ws is None:
                raise RuntimeError("the page opened no event websocket")
            frames = [f if isinstance(f, str) else f.decode() for f in sent]
            parts = urlsplit(ws.url)
            token = re.search(r"token=([^&]+)", parts.query)
            return TabRecording(
                path=f"{parts.path}?{parts.query}",
                token=token.group(1) if token else "",
                frames=[f for f in frames if f.startswith("40") or f.startswith("42")],
                subprotocol=None,
            )
        finally:
            browser.close()


class Tab(asyncio.Protocol):
    """One raw websocket speaking just enough engine.io to stay connected."""

    def __init__(self, request: bytes, frames: list[str]) -> None:
        self._request = request
        self._frames = frames
        self._buf = b""
        self._upgraded = False
        self.hydrated: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.received = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def _send(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        head = bytes([0x81])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None
        self.transport.write(head + mask + masked)

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if not self._upgraded:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self._buf.startswith(b"HTTP/1.1 101"):
                self._finish(False)
                return
            self._upgraded = True
            self._buf = self._buf[end + 4 :]
        while len(self._buf) >= 2:
            length = self._buf[1] & 0x7F
            offset = 2
            if length == 126:
                if len(self._buf) < 4:
                    return
                length = struct.unpack("!H", self._buf[2:4])[0]
                offset = 4
            elif length == 127:
                if len(self._buf) < 10:
                    return
                length = struct.unpack("!Q", self._buf[2:10])[0]
                offset = 10
            if len(self._buf) < offset + length:
                return
            opcode = self._buf[0] & 0x0F
            text = self._buf[offset : offset + length].decode(errors="replace")
            self._buf = self._buf[offset + length :]
            if opcode == 0x8:
                self._finish(False)
                return
            self._on_text(text)

    def _on_text(self, text: str) -> None:
        self.received += 1
        if text.startswith("0{"):  # engine.io open: now the page's frames
            for frame in self._frames:
                self._send(frame)
        elif text == "2":  # engine.io ping
            self._send("3")
        elif text.startswith("42"):  # a state update: the hydrate answered
            self._finish(True)

    def _finish(self, ok: bool) -> None:
        if not self.hydrated.done():
            self.hydrated.set_result(ok)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._finish(False)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()


def _request(recording: TabRecording, host: str, port: int, cookie: str) -> tuple[bytes, list[str]]:
    token = str(uuid.uuid4())
    key = base64.b64encode(os.urandom(16)).decode()
    path = recording.path.replace(recording.token, token) if recording.token else recording.path
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Origin: http://{host}:{port}",
        f"Cookie: {cookie}",
    ]
    frames = [f.replace(recording.token, token) for f in recording.frames] if recording.token else recording.frames
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), frames


async def open_tabs(
    recording: TabRecording, host: str, port: int, cookie: str, count: int, source: str, concurrency: int = 100
) -> tuple[list[Tab], int]:
    """Open `count` hydrated tabs; returns them and how many failed to hydrate."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)
    tabs: list[Tab] = []

    async def one() -> bool:
        async with gate:
            request, frames = _request(recording, host, port, cookie)
            tab = Tab(request, frames)
            tabs.append(tab)
            await loop.create_connection(lambda: tab, host, port, local_addr=(source, 0))
            try:
                return await asyncio.wait_for(tab.hydrated, 60)
            except TimeoutError:
                return False

    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    failed = sum(1 for r in results if r is not True)
    return tabs, failed
