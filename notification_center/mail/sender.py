"""Sending one mail through NC_SMTP_URL with aiosmtplib, and turning the server's answer
into an `Outcome`: accepted -> ok; a 4xx answer (RFC 5321: transient), a dropped connection
or a timeout -> retry later; a 5xx answer (permanent) or a refused configuration -> failed,
never retried.

Connections are kept open and reused (per event loop, up to POOL_SIZE idle ones): connecting,
EHLO, STARTTLS and AUTH cost several times the mail itself (bench/results/email.md). A pooled
connection the server closed while it sat idle is noticed on use and replaced once at once; a
connection that saw any error is closed, never reused.
"""

from __future__ import annotations

import asyncio
import ssl
from email.message import EmailMessage

import aiosmtplib as smtp

from notification_center.channels.base import Outcome
from notification_center.settings import SmtpConfig, get_settings

POOL_SIZE = 20  # the drain's deliveries in flight per worker (scheduling/deliveries.py)
_DROPPED = (smtp.SMTPServerDisconnected, ConnectionError)
_idle: dict[asyncio.AbstractEventLoop, list[smtp.SMTP]] = {}


def outcome_of_code(code: int, message: str) -> Outcome:
    """An SMTP reply code that refused the mail, as an Outcome (pure)."""
    error = f"SMTP server answered {code} {message}".strip()[:500]
    return Outcome(ok=False, error=error, retry=400 <= code < 500)


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if bundle := get_settings().smtp_ca_bundle:
        context.load_verify_locations(bundle)
    return context


def _client(config: SmtpConfig) -> smtp.SMTP:
    tls = config.implicit_tls or config.starttls != "never"
    return smtp.SMTP(
        hostname=config.host,
        port=config.port,
        username=config.username,
        password=config.password,
        use_tls=config.implicit_tls,
        start_tls={"auto": None, "always": True, "never": False}[config.starttls],
        tls_context=_tls_context() if tls else None,
        timeout=get_settings().email_timeout_seconds,
    )


async def _acquire(config: SmtpConfig) -> tuple[smtp.SMTP, bool]:
    """A connected client and whether it was reused from the pool."""
    idle = _idle.setdefault(asyncio.get_running_loop(), [])
    while idle:
        client = idle.pop()
        if client.is_connected:
            return client, True
    client = _client(config)
    await client.connect()
    return client, False


def _release(client: smtp.SMTP) -> None:
    idle = _idle.setdefault(asyncio.get_running_loop(), [])
    if client.is_connected and len(idle) < POOL_SIZE:
        idle.append(client)
    else:
        client.close()


async def close() -> None:
    """Say QUIT on this loop's idle connections (worker shutdown)."""
    for client in _idle.pop(asyncio.get_running_loop(), []):
        try:
            await asyncio.wait_for(client.quit(), 2)
        except Exception:  # going away anyway
            client.close()


async def send(message: EmailMessage) -> Outcome:
    """Deliver `message` (its From/To headers are the envelope); never raises."""
    config = get_settings().smtp
    if config is None:
        return Outcome(ok=False, error="email is not configured (NC_SMTP_URL)")
    for fresh_try in (False, True):
        client: smtp.SMTP | None = None
        reused = False
        try:
            client, reused = await _acquire(config)
            await client.send_message(message)
        except _DROPPED as exc:
            if client is not None:
                client.close()
            if reused and not fresh_try:  # closed by the server while idle: once more, on a new one
                continue
            return Outcome(ok=False, error=f"network: {type(exc).__name__}: {exc}"[:500], retry=True)
        except Exception as exc:
            if client is not None:
                client.close()
            return _failure(exc)
        _release(client)
        return Outcome(ok=True)
    raise AssertionError("unreachable")


def _failure(exc: Exception) -> Outcome:
    if isinstance(exc, smtp.SMTPRecipientsRefused):
        first = exc.recipients[0]
        return outcome_of_code(first.code, first.message)
    if isinstance(exc, smtp.SMTPResponseException):  # sender refused, data refused, auth failed...
        return outcome_of_code(exc.code, exc.message)
    if isinstance(exc, smtp.SMTPConnectError | smtp.SMTPTimeoutError | OSError):
        return Outcome(ok=False, error=f"network: {type(exc).__name__}: {exc}"[:500], retry=True)
    # e.g. STARTTLS required and not offered, or a message the library refuses: not worth retrying
    return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
