"""Shared pieces of the HTTP routes: JSON errors, body parsing, the signed-in user."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from notification_center.api.body_limit import MAX_BODY_BYTES
from notification_center.audit.service import Actor
from notification_center.auth.rate_limit import RateLimited, RequestRateLimiter, get_key_rate_limiter
from notification_center.auth.sessions import cookie_name, load_user
from notification_center.db import session_scope
from notification_center.keys.service import KeyAuthError, KeyIdentity, authenticate_key
from notification_center.models import Role, User
from notification_center.settings import get_settings


class ApiError(Exception):
    """Raised inside a route to answer `{"error": message, ...}` with `status`."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.extra = extra

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.message, **self.extra}, status_code=self.status, headers=self.headers)


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return exc.response()


def _find_unstorable_text(value: Any) -> str | None:
    """A description of the first string no database can store (NUL, lone surrogates)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "a NUL character"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "an unpaired surrogate"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # 1e999 would become inf, which no JSON answer (and no database column) can hold.
        raise ValueError(f"number {text[:20]!r} is out of range")
    return value


async def json_body(request: Request) -> Any:
    """The request's JSON body, or a 4xx naming the problem."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        # Also a CSRF guard: HTML forms cannot send application/json, and cross-origin
        # scripts cannot without a CORS preflight.
        raise ApiError(415, "request body must be sent as Content-Type: application/json")
    body = await request.body()  # bounded: api.body_limit stops reading at the limit
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
    if not body.strip():
        raise ApiError(400, "request body must be JSON, got an empty body")
    try:
        parsed = json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise ApiError(400, "request body is nested too deeply") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None
    except ValueError as exc:
        # Python refuses to convert integers of more than 4300 digits
        # (sys.get_int_max_str_digits); our own parse hooks refuse NaN and infinities.
        reason = "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise ApiError(400, f"request body is not valid JSON: {reason}") from None
    if (problem := _find_unstorable_text(parsed)) is not None:
        raise ApiError(422, f"request body contains {problem}, which text fields cannot hold", field="body")
    return parsed


async def optional_user(request: Request) -> User | None:
    cookie = request.cookies.get(cookie_name())
    if not cookie:
        return None
    return await run_in_threadpool(load_user, cookie)


async def require_user(request: Request) -> User:
    user = await optional_user(request)
    if user is None:
        if bearer_token(request) is not None:
            # A key speaks for a service, never for a person: it opens no inbox.
            raise ApiError(401, "not signed in: API keys authenticate sending and stats only, not user routes")
        raise ApiError(401, "not signed in")
    return user


async def require_operator(request: Request) -> User:
    user = await require_user(request)
    if user.role != Role.OPERATOR:
        raise ApiError(403, "operators only")
    return user


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if the request has one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _check_key(presented: str) -> KeyIdentity:
    with session_scope() as session:
        return authenticate_key(session=session, presented=presented)


async def require_sender(request: Request) -> Actor:
    """An operator (session cookie) or an API key (`Authorization: Bearer`): who may send
    and read stats. With a bearer token only the key counts, never a cookie beside it."""
    token = bearer_token(request)
    if token is None:
        user = await require_operator(request)
        return Actor.user(user.id, user.username)
    try:
        identity = await run_in_threadpool(_check_key, token)
    except KeyAuthError as exc:
        raise ApiError(401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    await count_or_429(get_key_rate_limiter(), identity.id, "too many requests with this API key; try again later")
    return Actor.key(identity.id, identity.name)


async def count_or_429(limiter: RequestRateLimiter, identity: str, message: str) -> None:
    """Count one request of `identity`; over the limit, a 429 with `Retry-After`."""
    try:
        await limiter.hit(identity)
    except RateLimited as limited:
        raise ApiError(
            429, message, headers={"Retry-After": str(limited.retry_after)}, retryAfter=limited.retry_after
        ) from None


def forwarded_client(peer: str, forwarded_for: str | None, trusted_hops: int) -> str:
    """The client address, trusting X-Forwarded-For only as far as our own proxies wrote it.

    Each proxy appends the address it received from, so the last `trusted_hops` entries were
    written by proxies we run; the one they name first is the client. Anything further left
    is whatever the client claimed. Fewer entries than hops means the request bypassed a
    proxy: use the peer address. The same rule as Reflex's websocket (rx.Config.trusted_proxy_hops).
    """
    if trusted_hops <= 0 or not forwarded_for:
        return peer
    hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    return hops[-trusted_hops] if len(hops) >= trusted_hops else peer


def client_ip(request: Request) -> str:
    """The address per-client limits apply to (see `forwarded_client`)."""
    peer = request.client.host if request.client else "unknown"
    # Several X-Forwarded-For lines count as one comma-joined list (RFC 9110, 5.3).
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return forwarded_client(peer, forwarded, get_settings().trusted_proxy_hops)
