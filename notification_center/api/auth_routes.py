"""POST /api/auth/login, POST /api/auth/host, POST /api/auth/logout, POST /api/auth/logout-all,
GET /api/auth/me.

Revocations are announced through the broadcaster's transport, so the revoked sessions'
open streams end at once on every worker and node, not at their next periodic check.
"""

from __future__ import annotations

import anyio
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center import host
from notification_center.api.bodies import (
    HostSignInRequest,
    LoginRequest,
    LogoutAllBody,
    LogoutBody,
    MeBody,
    UserBody,
)
from notification_center.api.deps import ApiError, client_ip, json_body, require_user
from notification_center.api.model_body import model_body
from notification_center.api.spec import ApiRoute, Operation, Reply
from notification_center.audit import service as audit
from notification_center.auth import host_tokens
from notification_center.auth.rate_limit import RateLimited, get_login_rate_limiter
from notification_center.auth.sessions import (
    cookie_name,
    create_session,
    purge_stale_sessions_if_due,
    revoke_session,
    revoke_user_sessions,
)
from notification_center.auth.users import authenticate, sign_in_host_user
from notification_center.db import session_scope
from notification_center.mail import addresses
from notification_center.models import User
from notification_center.notifications.schemas import describe_errors
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.settings import get_settings

_PASSWORD_CHECKS = anyio.CapacityLimiter(2)


def user_json(user: User) -> dict[str, str]:
    return {"id": user.id, "username": user.username, "role": user.role}


def _sign_in(username: str, password: str, ip: str) -> tuple[dict[str, str], str] | None:
    """Check the password, start a session, and write either outcome to the audit log."""
    with session_scope() as session:
        user = authenticate(session=session, username=username, password=password)
        if user is None:
            actor = audit.Actor("anonymous", None, username)
            audit.record(session=session, action=audit.Action.SIGN_IN_FAILED, actor=actor, ip=ip)
            return None
        purge_stale_sessions_if_due(session=session)  # sign-ins are when sessions pile up
        audit.record(
            session=session, action=audit.Action.SIGN_IN, actor=audit.Actor.user(user.id, user.username), ip=ip
        )
        return user_json(user), create_session(session=session, user=user)


async def login(request: Request) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ApiError(422, "body must be a JSON object with username and password", field="body")
    try:
        credentials = LoginRequest.model_validate(body)
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise ApiError(422, message, field=details[0]["field"], details=details) from None
    username, password = credentials.username, credentials.password

    ip = client_ip(request)
    try:
        async with get_login_rate_limiter().attempt(username, ip) as attempt:
            # argon2 takes ~64 MiB and ~0.1 s per check: a few at a time, so a burst of sign-ins
            # cannot exhaust memory or the thread pool the streams' database work shares.
            result = await anyio.to_thread.run_sync(_sign_in, username, password, ip, limiter=_PASSWORD_CHECKS)
            attempt.succeeded, attempt.failed = result is not None, result is None
    except RateLimited as limited:
        return JSONResponse(
            {"error": "too many sign-in attempts; try again later", "retryAfter": limited.retry_after},
            status_code=429,
            headers={"Retry-After": str(limited.retry_after)},
        )
    if result is None:
        raise ApiError(401, "invalid username or password")
    user, cookie = result
    return _signed_in(user, cookie)


def _signed_in(user: dict[str, str], cookie: str) -> Response:
    response = JSONResponse(user)
    response.set_cookie(
        cookie_name(),
        cookie,
        max_age=get_settings().session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
    )
    return response


def _host_sign_in(identity: host_tokens.HostIdentity, ip: str) -> tuple[dict[str, str], str]:
    with session_scope() as session:
        user = sign_in_host_user(session=session, identity=identity)
        purge_stale_sessions_if_due(session=session)
        actor = audit.Actor.user(user.id, user.username)
        audit.record(session=session, action=audit.Action.SIGN_IN, actor=actor, ip=ip, detail="via the host app")
        return user_json(user), create_session(session=session, user=user)


async def _host_identity(request: Request, use: str | None = None) -> host_tokens.HostIdentity:
    """The identity in the body's token, or the 403/422/401 that says why there is none."""
    settings = get_settings()
    secret = host.signing_secret()
    if secret is None:
        raise ApiError(403, "host sign-in is off: the server has no NC_HOST_TOKEN_SECRET")
    body = await model_body(request, HostSignInRequest)
    try:
        return host_tokens.verify(
            body.token, secret=secret, max_age_seconds=settings.host_token_max_age_seconds, use=use
        )
    except host_tokens.HostTokenError as exc:
        raise ApiError(401, str(exc), field="token") from None


async def host_sign_in(request: Request) -> Response:
    """The host app's page hands over the token its backend signed (auth/host_tokens.py)."""
    identity = await _host_identity(request)
    ip = client_ip(request)
    try:
        user, cookie = await run_in_threadpool(_host_sign_in, identity, ip)
    except IntegrityError:  # the same new user signing in twice at once: the other one created them
        user, cookie = await run_in_threadpool(_host_sign_in, identity, ip)
    return _signed_in(user, cookie)


async def host_sign_out(request: Request) -> Response:
    """The host's backend says its user signed out: their sessions and streams here end."""
    identity = await _host_identity(request, use=host_tokens.SIGN_OUT)
    return JSONResponse({"ok": True, "revoked": await host.sign_out(identity.external_id)})


def _revoke(cookie: str) -> tuple[str, str] | None:
    """(user id, session id) of the session revoked, if one was live."""
    with session_scope() as session:
        revoked = revoke_session(session=session, cookie_value=cookie)
        return (revoked.user_id, revoked.id) if revoked else None


def _revoke_all(user_id: str) -> list[str]:
    with session_scope() as session:
        return revoke_user_sessions(session=session, user_id=user_id)


def _signed_out(body: dict) -> Response:
    response = JSONResponse(body)
    # A __Host- cookie is only replaced by one that is Secure too.
    response.delete_cookie(cookie_name(), path="/", httponly=True, samesite="lax", secure=get_settings().cookie_secure)
    return response


async def logout(request: Request) -> Response:
    if (cookie := request.cookies.get(cookie_name())) and (revoked := await run_in_threadpool(_revoke, cookie)):
        user_id, session_id = revoked
        await get_notification_broadcaster().publish_revoked(user_id, [session_id])
    return _signed_out({"ok": True})


async def logout_all(request: Request) -> Response:
    """Sign out everywhere: revoke every session of the signed-in user, this one included."""
    user = await require_user(request)
    session_ids = await run_in_threadpool(_revoke_all, user.id)
    await get_notification_broadcaster().publish_revoked(user.id, session_ids)
    return _signed_out({"ok": True, "revoked": len(session_ids)})


async def me(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse({**user_json(user), **addresses.wire(user)})


_SIGNED_IN = Reply(200, "the signed-in user, with their email address", MeBody)

routes = [
    ApiRoute(
        "/api/auth/login",
        login,
        "POST",
        Operation(
            "Sign in: sets the HttpOnly session cookie",
            "auth",
            (
                Reply(200, "signed in; the session cookie is set", UserBody),
                Reply(401, "invalid username or password"),
                Reply(429, "too many sign-in attempts for this username or client address", headers=("Retry-After",)),
            ),
            body=LoginRequest,
        ),
    ),
    ApiRoute(
        "/api/auth/host",
        host_sign_in,
        "POST",
        Operation(
            "Sign in as the host app's user: its backend signed a short-lived token (README"
            ' "Host identity"); sets the session cookie, creating the user on first sight',
            "auth",
            (
                Reply(200, "signed in; the session cookie is set", UserBody),
                Reply(401, "the token is expired, forged, for another audience or malformed; `field` is `token`"),
                Reply(403, "host sign-in is off (no NC_HOST_TOKEN_SECRET)"),
                Reply(422, 'the body is not `{"token": "..."}`'),
            ),
            body=HostSignInRequest,
        ),
    ),
    ApiRoute(
        "/api/auth/host/sign-out",
        host_sign_out,
        "POST",
        Operation(
            "The host app's backend: its user signed out; every session and stream of that user ends",
            "auth",
            (
                Reply(200, "signed out everywhere; `revoked` sessions (0 for a user never seen)", LogoutAllBody),
                Reply(401, "the token is not a valid sign-out token (`use: sign-out`); `field` is `token`"),
                Reply(403, "host sign-in is off (no NC_HOST_TOKEN_SECRET)"),
                Reply(422, 'the body is not `{"token": "..."}`'),
            ),
            body=HostSignInRequest,
        ),
    ),
    ApiRoute(
        "/api/auth/logout",
        logout,
        "POST",
        Operation(
            "Sign out: revokes the session (ending its streams) and clears the cookie",
            "auth",
            (Reply(200, "signed out (also when no session was sent)", LogoutBody),),
        ),
    ),
    ApiRoute(
        "/api/auth/logout-all",
        logout_all,
        "POST",
        Operation(
            "Sign out everywhere: revokes every session of the user (ending all their streams)",
            "auth",
            (Reply(200, "signed out everywhere; `revoked` sessions", LogoutAllBody),),
            auth="user",
        ),
    ),
    ApiRoute("/api/auth/me", me, "GET", Operation("The signed-in user", "auth", (_SIGNED_IN,), auth="user")),
]
