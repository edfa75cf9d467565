"""A push service speaking RFC 8030 on a local TLS port, for the Web Push tests.

The app POSTs encrypted messages to `https://127.0.0.1:PORT/push/<token>`; this records each
request (headers and body) and answers what the test told it to (`answer(201, 410, 503...)`,
one status per request in turn, then 201). Its certificate is self-signed, minted here with
`cryptography`; the app trusts it through NC_PUSH_CA_BUNDLE (`ca_path`), so the app's
"https only" rule holds in the tests too. It runs on its own event loop in a thread of the
test process, so tests read what it received directly.

`BrowserSubscription` makes a subscription the way a browser does (a P-256 key pair and a
16-byte auth secret) and decrypts what was pushed to it (aes128gcm, RFC 8291, via http_ece).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import ipaddress
import json
import os
import secrets
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import http_ece
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.processes import free_port


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (key, cert PEM files); the cert is its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test push service")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "push-key.pem", folder / "push-cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@dataclass
class Received:
    token: str
    headers: dict[str, str]
    body: bytes
    status: int  # what was answered
    at: float = field(default_factory=time.time)


class PushService:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.key_path, self.ca_path = mint_certificate(folder)
        self.received: list[Received] = []
        self._answers: dict[str, deque[tuple[int, dict[str, str]]]] = {}
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="push-service")

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def endpoint(self, token: str | None = None) -> str:
        return f"{self.origin}/push/{token or secrets.token_urlsafe(16)}"

    def answer(self, token: str, *statuses: int, retry_after: str | None = None) -> None:
        """The next requests for `token` get these statuses, in turn; then 201 again."""
        headers = {"Retry-After": retry_after} if retry_after else {}
        self._answers.setdefault(token, deque()).extend((s, headers) for s in statuses)

    def for_token(self, token: str) -> list[Received]:
        return [r for r in self.received if r.token == token]

    async def _push(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = await request.read()
        queue = self._answers.get(token)
        status, headers = queue.popleft() if queue else (201, {})
        self.received.append(Received(token, dict(request.headers), body, status))
        if status == 201:
            headers = {**headers, "Location": f"{self.origin}/message/{secrets.token_hex(8)}"}
        return web.Response(status=status, headers=headers)

    async def _start(self) -> None:
        app = web.Application(client_max_size=8192)
        app.router.add_post("/push/{token}", self._push)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.ca_path, self.key_path)
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=context).start()

    def start(self) -> PushService:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@dataclass
class BrowserSubscription:
    """What `pushManager.subscribe()` makes: a P-256 key pair and a 16-byte auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def token(self) -> str:
        return self.endpoint.rsplit("/", 1)[1]

    def to_json(self) -> dict[str, Any]:
        """As `PushSubscription.toJSON()` gives it."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")
        return json.loads(plain)


def verify_vapid(authorization: str, *, public_key: str) -> dict[str, Any]:
    """Check `Authorization: vapid t=<JWT>,k=<key>` (RFC 8292): k is the app's public key and
    the ES256 signature verifies with it. Returns the JWT's claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"].rstrip("=") == public_key.rstrip("="), "k is not the app's VAPID public key"
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == "ES256", header
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
    raw = b64url_decode(signature_b64)
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    return json.loads(b64url_decode(claims_b64))
