"""GET|POST /api/keys, DELETE /api/keys/{key_id}: operators manage API keys (session cookie
only: a key cannot mint or revoke keys)."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import CreatedKeyBody, KeyBody, KeyCreateRequest, KeyList
from notification_center.api.deps import ApiError, client_ip, json_body, require_operator
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.audit.service import Actor
from notification_center.db import session_scope
from notification_center.keys import service as keys
from notification_center.notifications.schemas import describe_errors


async def list_keys(request: Request) -> Response:
    await require_operator(request)

    def read() -> list[dict]:
        with session_scope() as session:
            return [keys.to_wire(key) for key in keys.list_keys(session=session)]

    return JSONResponse({"items": await run_in_threadpool(read)})


async def create_key(request: Request) -> Response:
    user = await require_operator(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ApiError(422, "body: must be a JSON object with a name", field="body")
    try:
        wanted = KeyCreateRequest.model_validate(body)
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise ApiError(422, message, field=details[0]["field"], details=details) from None
    actor, ip = Actor.user(user.id, user.username), client_ip(request)

    def create() -> dict:
        with session_scope() as session:
            created = keys.create_key(
                session=session, name=wanted.name, actor=actor, expires_at=wanted.expiresAt, ip=ip
            )
            return {**keys.to_wire(created.key), "secret": created.secret}

    try:
        return JSONResponse(await run_in_threadpool(create), status_code=201)
    except keys.KeyInputError as exc:
        raise ApiError(422, exc.message, field=exc.field) from None


async def revoke_key(request: Request) -> Response:
    user = await require_operator(request)
    key_id = request.path_params["key_id"]
    actor, ip = Actor.user(user.id, user.username), client_ip(request)

    def revoke() -> dict | None:
        with session_scope() as session:
            key = keys.revoke_key(session=session, key_id=key_id, actor=actor, ip=ip)
            return keys.to_wire(key) if key else None

    revoked = await run_in_threadpool(revoke)
    if revoked is None:
        raise ApiError(404, f"no API key {key_id!r}")
    return JSONResponse(revoked)


routes = [
    ApiRoute(
        "/api/keys",
        list_keys,
        "GET",
        Operation(
            "Every API key, newest first (operators)", "keys", (Reply(200, "the keys", KeyList),), auth="operator"
        ),
    ),
    ApiRoute(
        "/api/keys",
        create_key,
        "POST",
        Operation(
            "Create an API key; its secret is in this answer only (operators)",
            "keys",
            (Reply(201, "created; `secret` is the key", CreatedKeyBody),),
            auth="operator",
            body=KeyCreateRequest,
        ),
    ),
    ApiRoute(
        "/api/keys/{key_id}",
        revoke_key,
        "DELETE",
        Operation(
            "Revoke an API key at once (idempotent; operators)",
            "keys",
            (
                Reply(200, "the key, now revoked", KeyBody),
                Reply(404, "no such key"),
                Reply(404, "an id with a line break (answered before the API)", None, "text/plain"),
            ),
            auth="operator",
            params=(Param("key_id", "path", {"type": "string"}, "a key id (`key_...`)"),),
        ),
    ),
]
