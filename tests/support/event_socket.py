"""A raw client of Reflex's event websocket (`/_event`), the page's real API.

The protocol, as Reflex 0.10.1's `state.js` and `reflex/app.py` speak it:

- Engine.IO v4 over one websocket, `GET /_event/?EIO=4&transport=websocket&token=<uuid>`
  (the token names the tab's state on the server). The server speaks first: `0{"sid",
  "pingInterval", "pingTimeout", "maxPayload"}`; a text frame longer than maxPayload (1e6
  characters) makes it close the socket. It pings with `2`; the client answers `3`.
- Socket.IO v5 packets ride in Engine.IO messages (`4`): `40/_event,{...}` connects the
  namespace. Reflex's frontend puts its hydrate in that CONNECT packet, `{"event":
  {"name": "reflex___state____state.hydrate_and_load", "payload": {}, "router_data":
  {...}}}`; the server answers `40/_event,{"sid": ...}` (or `44/_event,{"message"}`).
- A handler call is `42/_event,["event", {"name", "payload", "router_data"}]`, `name` the
  dotted handler name (`format_event_handler`), `payload` its arguments by name,
  `router_data` `{"pathname", "asPath", "query"}`. The server answers with any number of
  `42/_event,["event", {"delta": {...}, "events": [...]}]`, and none when nothing changed.

A tab's events run one after another, so `call` follows each call with a sentinel
(`set_is_hydrated(True)`, whose delta Reflex sends every time) and waits for its answer.
Built on wsproto (a dependency of python-engineio, so always installed with Reflex)
over a plain blocking socket: every wait has a timeout.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, Request, TextMessage
from wsproto.utilities import LocalProtocolError

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
SENTINEL = f"{ROOT_STATE}.set_is_hydrated"


class SocketClosed(ConnectionError):
    """The server closed the websocket (or it broke)."""


@dataclass
class Frame:
    """One Socket.IO packet from the server: its text, and its event name and data if an event."""

    raw: str
    event: str | None = None
    data: Any = None


@dataclass
class EventSocket:
    base_url: str  # http://127.0.0.1:PORT
    cookie: str | None = None  # a Cookie header value, e.g. "nc_session=..."
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    origin: str | None = None  # defaults to base_url (the app refuses foreign Origins)
    timeout: float = 5.0
    received: list[Frame] = field(default_factory=list)  # every frame of this object's life
    closed: bool = True

    def connect(self, hydrate: bool = True, pathname: str = "/", query: dict[str, str] | None = None) -> list[Frame]:
        """Open the socket and connect the namespace, with the page's hydrate (or without)."""
        url = urlsplit(self.base_url)
        self._sock = socket.create_connection((url.hostname, url.port or 80), timeout=self.timeout)
        self._ws, self._buffer = WSConnection(ConnectionType.CLIENT), ""
        headers = [(b"origin", (self.origin or self.base_url).encode())]
        if self.cookie:
            headers.append((b"cookie", self.cookie.encode()))
        target = f"{NAMESPACE}/?EIO=4&transport=websocket&token={self.token}"
        self._sock.sendall(self._ws.send(Request(host=url.netloc, target=target, extra_headers=headers)))
        self.closed = False
        opened = self._next_text(self.timeout)
        if not opened.startswith("0"):
            raise SocketClosed(f"no Engine.IO open packet: {opened[:200]}")
        self.open_info: dict[str, Any] = json.loads(opened[1:])
        auth = {"event": self._event(HYDRATE, {}, pathname, query)} if hydrate else {}
        start = len(self.received)
        self._send_text(f"40{NAMESPACE},{json.dumps(auth)}")
        while not (answer := self._receive_one(self.timeout)).raw.startswith(("40", "44")):
            pass
        if answer.raw.startswith("44"):
            raise SocketClosed(f"namespace connect refused: {answer.raw[:200]}")
        if hydrate:  # the page's on_load chain ends with is_hydrated = true
            self._until_sentinel(self.timeout)
        return self.received[start:]

    def call(self, name: str, payload: Any, timeout: float = 3.0, pathname: str = "/") -> list[Frame]:
        """Call handler `name` with `payload` (its arguments by name, or anything JSON can
        carry; `RawJSON` for text sent as is); return the frames received until the
        sentinel's answer, or until `timeout`. Raises SocketClosed if the server closes."""
        start, deadline = len(self.received), time.monotonic() + timeout
        self.emit(name, payload, pathname)
        for _ in range(4):  # events the handler chains queue behind a sentinel: one more round each
            before = len(self.received)
            self.emit(SENTINEL, {"value": True}, pathname)
            self._until_sentinel(deadline - time.monotonic())
            if len(self.received) - before <= 1:  # only the sentinel answered (or nothing: timeout)
                break
        return self.received[start:]

    def _until_sentinel(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                if _is_sentinel(self._receive_one(left)):
                    return
            except TimeoutError:
                return

    def emit(self, name: str, payload: Any, pathname: str = "/") -> None:
        event = self._event(name, payload, pathname, None)
        self._send_text(f"42{NAMESPACE},{encode(['event', event])}")

    def drain(self, quiet: float = 0.3, timeout: float = 3.0) -> list[Frame]:
        """Frames that arrive until none came for `quiet` seconds (or `timeout` passed)."""
        start, deadline = len(self.received), time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._receive_one(min(quiet, left))
            except TimeoutError:
                break
        return self.received[start:]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with suppress(OSError, LocalProtocolError):  # already broken: nothing to tell the server
                self._sock.sendall(self._ws.send(CloseConnection(code=1000)))
            self._sock.close()

    @staticmethod
    def _event(name: str, payload: Any, pathname: str, query: dict[str, str] | None) -> dict[str, Any]:
        router_data: dict[str, Any] = {"pathname": pathname, "asPath": pathname}
        if query:
            router_data["query"] = query
        return {"name": name, "payload": payload, "router_data": router_data}

    def _send_text(self, text: str) -> None:
        """Send one Engine.IO packet: "4" + a Socket.IO packet, or "3" (pong)."""
        if self.closed:
            raise SocketClosed("the socket is closed")
        try:
            self._sock.sendall(self._ws.send(TextMessage(data=text)))
        except OSError as exc:  # the server went away, or stopped reading (timeout)
            self.closed = True
            raise SocketClosed(f"send failed: {exc!r}") from exc

    def _receive_one(self, timeout: float) -> Frame:
        text = self._next_text(timeout)
        if text == "2":  # Engine.IO ping
            self._send_text("3")
            return self._receive_one(timeout)
        frame = Frame(text)
        if text.startswith(f"42{NAMESPACE},"):
            event, *args = json.loads(frame.raw.split(",", 1)[1])
            frame.event, frame.data = event, args[0] if args else None
        self.received.append(frame)
        return frame

    def _next_text(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for event in self._ws.events():
                if isinstance(event, TextMessage):
                    self._buffer += event.data
                    if event.message_finished:
                        text, self._buffer = self._buffer, ""
                        return text
                elif isinstance(event, Ping):
                    self._sock.sendall(self._ws.send(event.response()))
                elif isinstance(event, CloseConnection | RejectConnection):
                    self.close()
                    raise SocketClosed(f"closed by the server: {event!r}"[:300])
                elif not isinstance(event, AcceptConnection):
                    continue
            if (left := deadline - time.monotonic()) <= 0:
                raise TimeoutError(f"nothing from the server within {timeout:.1f}s")
            self._sock.settimeout(left)
            try:
                data = self._sock.recv(1 << 16)
            except TimeoutError:
                raise
            except OSError as exc:  # reset, broken pipe
                self.closed = True
                raise SocketClosed(f"receive failed: {exc!r}") from exc
            if not data:
                self.closed = True
                raise SocketClosed("the server closed the connection")
            self._ws.receive_data(data)


def _is_sentinel(frame: Frame) -> bool:
    delta = frame.data.get("delta") if isinstance(frame.data, dict) else None
    return isinstance(delta, dict) and delta.get(ROOT_STATE, {}).get("is_hydrated_rx_state_") is True


@dataclass(frozen=True)
class RawJSON:
    """JSON text sent exactly as written (NaN, 5,000 nested arrays: what `json` would refuse)."""

    text: str


def encode(value: Any) -> str:
    """JSON like a browser sends it (not ASCII-escaped, so maxPayload counts characters),
    with `RawJSON` parts spliced in verbatim."""
    raws: list[str] = []

    def placeholder(obj: Any) -> str:
        if not isinstance(obj, RawJSON):
            raise TypeError(f"not JSON: {type(obj).__name__}")
        raws.append(obj.text)
        return f"\x00raw{len(raws) - 1}\x00"

    text = json.dumps(value, ensure_ascii=False, default=placeholder)
    for index, raw in enumerate(raws):
        text = text.replace(f'"\\u0000raw{index}\\u0000"', raw, 1)
    return text
