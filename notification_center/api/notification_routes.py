"""The notifications REST routes (CONTRACT section 6), all scoped to the signed-in user."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notification_center.api.deps import ApiError, json_body, require_operator, require_user
from notification_center.db import session_scope
from notification_center.notifications import read_state, sending, service
from notification_center.notifications.serialize import to_wire
from notification_center.realtime.broadcaster import get_notification_broadcaster

MAX_LIMIT = 100


def _query_limit(request: Request) -> int:
    raw = request.query_params.get("limit", "20")
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(422, f"limit: must be an integer from 1 to {MAX_LIMIT}", field="limit")
    return int(raw)


def _query_bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise ApiError(422, f"{name}: must be true or false", field=name)
    return raw in ("true", "1")


async def list_notifications(request: Request) -> Response:
    user = await require_user(request)
    limit = _query_limit(request)
    unread = _query_bool(request, "unread")
    before_raw = request.query_params.get("before")
    before = service.parse_cursor(before_raw) if before_raw is not None else None
    if before_raw is not None and before is None:
        raise ApiError(422, "before: not a cursor returned by this API", field="before")

    def read() -> dict:
        with session_scope() as session:
            page = service.list_page(session=session, user_id=user.id, limit=limit, before=before, unread_only=unread)
            return {
                "items": [to_wire(n) for n in page.items],
                "unreadCount": page.unread_count,
                "nextCursor": page.next_cursor,
            }

    return JSONResponse(await run_in_threadpool(read))


async def mark_read(request: Request) -> Response:
    user = await require_user(request)
    notification_id = request.path_params["notification_id"]
    result = await read_state.mark_read(user_id=user.id, notification_id=notification_id)
    if result.notification is None:
        raise ApiError(404, f"no notification {notification_id!r}")
    return JSONResponse(result.notification)


async def mark_all_read(request: Request) -> Response:
    user = await require_user(request)
    result = await read_state.mark_all_read(user_id=user.id)
    return JSONResponse({"updated": result.updated})


async def send(request: Request) -> Response:
    await require_operator(request)
    try:
        created = await sending.send(await json_body(request))
    except sending.SendError as exc:
        raise ApiError(422, exc.message, field=exc.field, **exc.extra) from None
    return JSONResponse({"count": len(created), "ids": [n["id"] for n in created]}, status_code=201)


async def stats(request: Request) -> Response:
    await require_operator(request)
    result = await get_notification_broadcaster().cluster_stats()
    return JSONResponse(result.to_wire())


routes = [
    Route("/api/notifications", list_notifications, methods=["GET"]),
    Route("/api/notifications", send, methods=["POST"]),
    Route("/api/notifications/stats", stats, methods=["GET"]),
    Route("/api/notifications/read-all", mark_all_read, methods=["POST"]),
    Route("/api/notifications/{notification_id}/read", mark_read, methods=["POST"]),
]
