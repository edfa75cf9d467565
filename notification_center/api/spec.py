"""What each route declares about itself, next to it, for the OpenAPI document (api/openapi.py).

A route is an `ApiRoute`: a Starlette `Route` with one method and an `Operation` saying
who may call it, what it reads and every answer it gives. The document is built from the
routes the app actually serves, so a route cannot exist undocumented, and the answers
that the shared layers add (sign-in checks, JSON body parsing, the body-size and
cross-site middleware) are added from the operation's `auth` and `body`, once, here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from starlette.responses import JSONResponse
from starlette.routing import Match, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from notification_center.api.bodies import ErrorBody

# "sender": an operator's session cookie or an API key (Authorization: Bearer).
Auth = Literal["none", "user", "operator", "sender"]
JSON = "application/json"


@dataclass(frozen=True)
class Reply:
    """One answer: its status, what it means, and its body (an `ErrorBody` unless told)."""

    status: int
    description: str
    model: type[BaseModel] | None = ErrorBody
    media_type: str = JSON
    headers: tuple[str, ...] = ()  # names of notable response headers (e.g. Retry-After)


@dataclass(frozen=True)
class Param:
    name: str
    location: Literal["query", "path", "header"]
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    replies: tuple[Reply, ...]
    auth: Auth = "none"
    body: type[BaseModel] | None = None  # a JSON request body, validated with this model
    params: tuple[Param, ...] = ()
    description: str = ""
    # False for the routes that never touch the database (the docs; health reports it itself).
    uses_database: bool = True


class ApiRoute(Route):
    """A Route with exactly one method and its `Operation`."""

    def __init__(
        self, path: str, endpoint: Callable[..., Any], method: str, operation: Operation, name: str | None = None
    ) -> None:
        super().__init__(path, endpoint, methods=[method], name=name)  # the name is the operationId
        self.method = method
        self.operation = operation


class ApiWebSocketRoute(WebSocketRoute):
    """A documented WebSocket route (api/spec.py's ApiRoute, for an upgrade): a plain GET
    on its path answers 426 JSON instead of falling through to the API's 404."""

    method = "GET"
    methods = frozenset({"GET"})  # the upgrade, or the plain GET's 426

    def __init__(self, path: str, endpoint: Any, operation: Operation, name: str) -> None:
        super().__init__(path, endpoint, name=name)
        self.operation = operation

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            match, child = super().matches({**scope, "type": "websocket"})
            return (Match.FULL, child) if match is Match.FULL else (Match.NONE, {})
        return super().matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            body = {"error": "this route is a WebSocket: send Upgrade: websocket"}
            await JSONResponse(body, status_code=426, headers={"Upgrade": "websocket"})(scope, receive, send)
            return
        await super().handle(scope, receive, send)


def implied_replies(route: ApiRoute | ApiWebSocketRoute) -> list[Reply]:
    """The answers a route gives through the shared layers rather than its own code."""
    operation, replies = route.operation, []
    if route.path.startswith("/api/"):  # where the middleware of api/__init__.py acts
        replies += [
            Reply(400, "the Content-Length header is not a number"),
            Reply(413, "the request body (declared or sent) is larger than 64 KiB"),
        ]
        if route.method != "GET":
            replies.append(Reply(403, "a browser says the request comes from another site (Sec-Fetch-Site)"))
    if operation.body is not None:
        replies += [
            Reply(400, "the body is empty, not JSON, nested too deeply, or has a number out of range"),
            Reply(415, "the body is not sent as Content-Type: application/json"),
            Reply(422, "the body does not match the schema; `field` names the first problem"),
        ]
    if operation.auth != "none":
        replies.append(Reply(401, "not signed in (no, an expired or a revoked session cookie)"))
    if operation.auth in ("operator", "sender"):
        replies.append(Reply(403, "signed in, but not as an operator"))
    if route.path.startswith("/api/") and operation.uses_database:  # api/outage_handler.py
        replies.append(
            Reply(
                503,
                "the database is away (cannot be reached, timed out, read-only); nothing was changed: "
                "retry after `retryAfter` seconds",
                headers=("Retry-After",),
            )
        )
    if operation.auth == "sender":
        replies += [
            Reply(401, "an unknown, malformed, revoked or expired API key", headers=("WWW-Authenticate",)),
            Reply(429, "too many requests with this API key (NC_KEY_RATE_LIMIT)", headers=("Retry-After",)),
        ]
    return replies
