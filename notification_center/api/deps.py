"""Shared pieces of the HTTP routes: JSON errors, body parsing, the signed-in user."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from notification_center.auth.sessions import COOKIE_NAME, user_for_cookie
from notification_center.db import session_scope
from notification_center.models import Role, User

MAX_BODY_BYTES = 64 * 1024


class ApiError(Exception):
    """Raised inside a route to answer `{"error": message, ...}` with `status`."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.message, **self.extra}, status_code=self.status)


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return exc.response()


async def json_body(request: Request) -> Any:
    """The request's JSON body, or a 400/413 naming the problem."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
    if not body.strip():
        raise ApiError(400, "request body must be JSON, got an empty body")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None


def _lookup_user(cookie: str | None) -> User | None:
    with session_scope() as session:
        return user_for_cookie(session=session, cookie_value=cookie)


async def optional_user(request: Request) -> User | None:
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        return None
    return await run_in_threadpool(_lookup_user, cookie)


async def require_user(request: Request) -> User:
    user = await optional_user(request)
    if user is None:
        raise ApiError(401, "not signed in")
    return user


async def require_operator(request: Request) -> User:
    user = await require_user(request)
    if user.role != Role.OPERATOR:
        raise ApiError(403, "operators only")
    return user


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
