"""The notifications REST routes (CONTRACT section 6), all scoped to the signed-in user."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notification_center.api.deps import ApiError, json_body, require_operator, require_user
from notification_center.channels.in_app import get_in_app_channel_handler
from notification_center.db import session_scope
from notification_center.notifications import service
from notification_center.notifications.schemas import SendRequest, describe_errors
from notification_center.notifications.serialize import to_wire
from notification_center.realtime.broadcaster import get_notification_broadcaster

MAX_LIMIT = 100


def _query_limit(request: Request) -> int:
    raw = request.query_params.get("limit", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
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

    def write() -> tuple[dict | None, bool, int]:
        with session_scope() as session:
            before = service.get_for_user(session=session, user_id=user.id, notification_id=notification_id)
            was_unread = before is not None and before.read_at is None
            updated = service.mark_read(session=session, user_id=user.id, notification_id=notification_id)
            count = service.unread_count(session=session, user_id=user.id)
            return (to_wire(updated) if updated else None), was_unread, count

    wire, changed, count = await run_in_threadpool(write)
    if wire is None:
        raise ApiError(404, f"no notification {notification_id!r}")
    if changed:
        await get_notification_broadcaster().publish_read_state(user.id, [wire["id"]], count)
    return JSONResponse(wire)


async def mark_all_read(request: Request) -> Response:
    user = await require_user(request)

    def write() -> list[str]:
        with session_scope() as session:
            return service.mark_all_read(session=session, user_id=user.id)

    ids = await run_in_threadpool(write)
    if ids:
        await get_notification_broadcaster().publish_read_state(user.id, ids, 0)
    return JSONResponse({"updated": len(ids)})


async def send(request: Request) -> Response:
    await require_operator(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ApiError(422, "body: must be a JSON object", field="body")
    try:
        req = SendRequest.model_validate(body)
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise ApiError(422, message, field=details[0]["field"], details=details) from None

    def recipients():
        with session_scope() as session:
            return service.resolve_recipients(session=session, recipients=req.recipients)

    try:
        users = await run_in_threadpool(recipients)
    except service.UnknownRecipientsError as exc:
        names = ", ".join(exc.usernames)
        raise ApiError(
            422, f"recipients: unknown user(s): {names}", field="recipients", unknown=exc.usernames
        ) from None
    draft = service.Draft(title=req.title, content=req.content, type=req.type.value, priority=req.priority.value)
    created = await get_in_app_channel_handler().deliver_many(draft, users)
    return JSONResponse({"count": len(created), "ids": [n.id for n in created]}, status_code=201)


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
