"""Sending one push: encrypt (aes128gcm, RFC 8291) and sign (VAPID, RFC 8292) with
pywebpush / py-vapid, POST with pywebpush's async API on one aiohttp session per event
loop, and turn the push service's answer into an `Outcome` (RFC 8030: 201 accepted; 404/410
the subscription is gone; 429/5xx try again later, honouring Retry-After)."""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from py_vapid import Vapid
from pywebpush import WebPusher

from notification_center.channels.base import Outcome
from notification_center.models import utcnow
from notification_center.push import payload
from notification_center.settings import get_settings

VAPID_LIFETIME_SECONDS = 12 * 3600  # RFC 8292: at most 24 hours

_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
_vapid: dict[str, Any] = {}


def _session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        settings = get_settings()
        context = ssl.create_default_context()
        if settings.push_ca_bundle:
            context.load_verify_locations(settings.push_ca_bundle)
        timeout = aiohttp.ClientTimeout(total=settings.push_timeout_seconds)
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context, limit=50), timeout=timeout)
        _sessions[loop] = session
    return session


async def close() -> None:
    """Close this loop's HTTP session (worker shutdown)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


def vapid_headers(endpoint: str, now: float | None = None) -> dict[str, str]:
    """`Authorization: vapid t=<JWT>,k=<public key>` for the push service of `endpoint`:
    aud its origin, exp 12 hours ahead, sub NC_VAPID_SUBJECT."""
    settings = get_settings()
    signer = _vapid.get(settings.vapid_private_key)
    if signer is None:
        signer = _vapid[settings.vapid_private_key] = Vapid.from_string(settings.vapid_private_key)
    parts = urlsplit(endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(now or time.time()) + VAPID_LIFETIME_SECONDS,
        "sub": settings.vapid_subject,
    }
    return dict(signer.sign(claims))


def outcome_of(status: int, reason: str, retry_after: str | None) -> Outcome:
    """The push service's answer as an Outcome (pure)."""
    if status in (200, 201, 202):
        return Outcome(ok=True)
    error = f"push service answered {status} {reason}".strip()
    if status in (404, 410):
        return Outcome(ok=False, error=f"{error}: subscription gone", gone=True)
    if status == 429 or status >= 500:
        return Outcome(
            ok=False, error=error, retry=True, retry_after=payload.retry_after_seconds(retry_after, utcnow())
        )
    return Outcome(ok=False, error=error)


async def send(notification: dict[str, Any], subscription: dict[str, Any]) -> Outcome:
    """POST one notification to one subscription; never raises."""
    settings = get_settings()
    headers = vapid_headers(subscription["endpoint"])
    headers["Urgency"] = payload.urgency_of(notification.get("priority", "normal"))
    ttl = payload.ttl_of(notification.get("expires_at"), utcnow(), settings.push_ttl_seconds)
    try:
        pusher = WebPusher(subscription, aiohttp_session=_session())
        response = await pusher.send_async(
            payload.build_payload(notification),
            headers,
            ttl=ttl,
            timeout=aiohttp.ClientTimeout(total=settings.push_timeout_seconds),
        )
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return Outcome(ok=False, error=f"network: {type(exc).__name__}: {exc}"[:500], retry=True)
    except Exception as exc:  # a key the encryption refuses, and the like: not worth retrying
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    assert not isinstance(response, str)
    return outcome_of(response.status, response.reason or "", response.headers.get("Retry-After"))
