"""A real SMTP server (aiosmtpd) on a local port, for the email tests.

It runs in a thread of the test process (aiosmtpd's Controller), so tests read what arrived
directly: each accepted mail is parsed into an `email.message.EmailMessage`. With `tls_dir`
it offers STARTTLS with a self-signed certificate (trusted by the app through
NC_SMTP_CA_BUNDLE = `ca_path`) and requires AUTH LOGIN/PLAIN with `username`/`password` over
it, so the app's STARTTLS and authentication run for real. `answer(address, 451, 550...)`
makes the DATA of mails to that address get those replies in turn, then 250.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.processes import free_port
from tests.support.push_service import mint_certificate

REPLIES = {421: "421 4.3.2 Service shutting down", 451: "451 4.3.0 Try again later", 550: "550 5.1.1 No such user"}


@dataclass
class Received:
    rcpt: list[str]
    mail_from: str
    message: EmailMessage
    at: float


@dataclass
class SmtpServer:
    tls_dir: Path | None = None
    username: str = "mailer"
    password: str = "mailer-password-1"
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _answers: dict[str, deque[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None
    ca_path: Path | None = None

    @property
    def url(self) -> str:
        if self.tls_dir is None:
            return f"smtp://127.0.0.1:{self.port}?starttls=never"
        return f"smtp://{self.username}:{self.password}@127.0.0.1:{self.port}?starttls=always"

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.tls_dir is not None:
            key, cert = mint_certificate(self.tls_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            self.ca_path = cert
            kwargs = {
                "tls_context": context,
                "require_starttls": True,
                "authenticator": self._authenticate,
                "auth_required": True,
            }
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)

    def answer(self, address: str, *codes: int) -> None:
        with self._lock:
            self._answers[address.lower()] = deque(codes)

    def _next_code(self, rcpts: list[str]) -> int:
        with self._lock:
            for rcpt in rcpts:
                self.attempts[rcpt.lower()] += 1
                queue = self._answers.get(rcpt.lower())
                if queue:
                    return queue.popleft()
        return 250

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [r.message for r in self.received if address.lower() in (a.lower() for a in r.rcpt)]

    def wait_for(self, check: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if value := check():
                return value
            time.sleep(0.05)
        raise AssertionError("timed out waiting for mail")


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        code = self.server._next_code(list(envelope.rcpt_tos))
        if code != 250:
            return REPLIES.get(code, f"{code} refused")
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.server._lock:
            self.server.received.append(Received(list(envelope.rcpt_tos), envelope.mail_from, parsed, time.time()))
        return "250 OK"
