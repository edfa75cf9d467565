"""A real WebSocket client for tests: asyncio streams + wsproto (installed with Reflex).

Enough of RFC 6455 for the stream route: the opening handshake with cookies and Origin,
text messages in both directions (fragmented or not), pings answered, and the server's
close code and reason kept, since the stream's refusals and endings are close codes.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError


class Closed(ConnectionError):
    """The server closed the socket (code, reason), refused the upgrade (status), or it broke."""

    def __init__(self, code: int | None, reason: str = "", status: int | None = None) -> None:
        super().__init__(f"closed: code={code} reason={reason!r} status={status}")
        self.code = code
        self.reason = reason
        self.status = status


@dataclass
class WebSocket:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ws: WSConnection
    closed: Closed | None = None
    pending: list = field(default_factory=list)  # events that arrived with the handshake's answer

    @classmethod
    async def connect(
        cls,
        base_url: str,
        path: str,
        *,
        cookie: str | None = None,
        origin: str | None = "",
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> WebSocket:
        """Open `path`; raises Closed(status=...) when the upgrade is refused. `origin` ""
        means the server's own origin, None sends none."""
        url = urlsplit(base_url)
        reader, writer = await asyncio.wait_for(asyncio.open_connection(url.hostname, url.port or 80), timeout)
        extra = [] if origin is None else [("origin", origin or base_url)]
        if cookie:
            extra.append(("cookie", cookie))
        extra += list((headers or {}).items())
        ws = WSConnection(ConnectionType.CLIENT)
        request = Request(host=url.netloc, target=path, extra_headers=[(k.encode(), v.encode()) for k, v in extra])
        writer.write(ws.send(request))
        socket = cls(reader, writer, ws)
        while True:
            events = list(ws.events())
            for index, event in enumerate(events):
                if isinstance(event, AcceptConnection):
                    socket.pending = events[index + 1 :]
                    return socket
                if isinstance(event, RejectConnection):
                    writer.close()
                    raise Closed(None, status=event.status_code)
            data = await asyncio.wait_for(reader.read(65536), timeout)
            if not data:
                raise Closed(None, "connection closed during the handshake")
            ws.receive_data(data)

    async def send_text(self, text: str) -> None:
        try:
            self.writer.write(self.ws.send(TextMessage(data=text)))
            await self.writer.drain()
        except (OSError, LocalProtocolError) as exc:
            raise Closed(None, f"send failed: {exc!r}") from exc

    async def send_burst(self, texts: list[str]) -> None:
        """Every message in one write, the way a flood arrives. Written message by message,
        a write that lands after the server closed meets its TCP reset, and asyncio then
        drops the close frame that is already waiting to be read."""
        self.writer.write(b"".join(self.ws.send(TextMessage(data=text)) for text in texts))
        await self.writer.drain()

    async def send_bytes(self, data: bytes) -> None:
        self.writer.write(self.ws.send(BytesMessage(data=data)))
        await self.writer.drain()

    async def recv(self) -> str:
        """The next text message; raises Closed when the server closes (or it breaks)."""
        buffer = ""
        while True:
            if self.closed is not None:
                raise self.closed
            self.pending += list(self.ws.events())
            while self.pending:
                event = self.pending.pop(0)
                if isinstance(event, TextMessage):
                    buffer += event.data
                    if event.message_finished:
                        return buffer
                elif isinstance(event, Ping):
                    self.writer.write(self.ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    self.closed = Closed(event.code, event.reason or "")
                    with contextlib.suppress(Exception):
                        self.writer.write(self.ws.send(event.response()))
                    self.writer.close()
                    raise self.closed
            try:
                data = await self.reader.read(65536)
            except OSError as exc:
                self.closed = Closed(None, f"broken: {exc!r}")
                raise self.closed from exc
            if not data:
                self.closed = Closed(1006, "connection lost")
                raise self.closed
            self.ws.receive_data(data)

    async def close(self, code: int = 1000) -> None:
        with contextlib.suppress(Exception):
            if self.closed is None:
                self.writer.write(self.ws.send(CloseConnection(code=code)))
                await self.writer.drain()
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()
