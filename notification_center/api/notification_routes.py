"""The notifications REST routes (CONTRACT section 6), all scoped to the signed-in user."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center import sending
from notification_center.api import notification_actions
from notification_center.api.bodies import (
    AcceptedResult,
    NotificationBody,
    NotificationPage,
    ReadAllResult,
    ScheduledResult,
    SendResult,
    StatsBody,
)
from notification_center.api.deps import ApiError, client_ip, json_body, require_sender, require_user
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.db import session_scope
from notification_center.notifications import read_state, service
from notification_center.notifications.schemas import SendRequest
from notification_center.notifications.serialize import to_wire
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.scheduling import bulk_sends, scheduled_sends

MAX_LIMIT = 100
CATEGORY_SLUG = r"[a-z0-9][a-z0-9_-]{0,31}"


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
    unseen = _query_bool(request, "unseen")
    archived = _query_bool(request, "archived")
    category = request.query_params.get("category")
    if category is not None and not re.fullmatch(CATEGORY_SLUG, category):
        raise ApiError(422, "category: must be a slug (a-z, 0-9, - and _; up to 32)", field="category")
    before_raw = request.query_params.get("before")
    before = service.parse_cursor(before_raw) if before_raw is not None else None
    if before_raw is not None and before is None:
        raise ApiError(422, "before: not a cursor returned by this API", field="before")

    def read() -> dict:
        with session_scope() as session:
            page = service.list_page(
                session=session,
                user_id=user.id,
                limit=limit,
                before=before,
                unread_only=unread,
                unseen_only=unseen,
                archived=archived,
                category=category,
            )
            return {
                "items": [to_wire(n) for n in page.items],
                "unreadCount": page.counts.unread,
                "unseenCount": page.counts.unseen,
                "nextCursor": page.next_cursor,
            }

    return JSONResponse(await run_in_threadpool(read))


async def mark_read(request: Request) -> Response:
    user = await require_user(request)
    notification_id = request.path_params["notification_id"]
    try:
        notification = await notification_actions.apply("read", user_id=user.id, notification_id=notification_id)
    except notification_actions.ActionRefused as refused:
        raise ApiError(refused.refusal.status, refused.refusal.message) from None
    if notification is None:
        raise ApiError(404, f"no notification {notification_id!r}")
    return JSONResponse(notification)


async def mark_seen(request: Request) -> Response:
    user = await require_user(request)
    notification_id = request.path_params["notification_id"]
    try:
        notification = await notification_actions.apply("seen", user_id=user.id, notification_id=notification_id)
    except notification_actions.ActionRefused as refused:
        raise ApiError(refused.refusal.status, refused.refusal.message) from None
    if notification is None:
        raise ApiError(404, f"no notification {notification_id!r}")
    return JSONResponse(notification)


async def mark_all_read(request: Request) -> Response:
    user = await require_user(request)
    result = await read_state.mark_all_read(user_id=user.id)
    return JSONResponse({"updated": result.updated})


async def send(request: Request) -> Response:
    actor = await require_sender(request)
    try:
        outcome = await scheduled_sends.send_or_schedule(await json_body(request), actor=actor, ip=client_ip(request))
    except sending.SendError as exc:
        raise ApiError(422, exc.message, field=exc.field, **exc.extra) from None
    if isinstance(outcome, scheduled_sends.Scheduled):  # stored, not sent yet: 202, not 201
        return JSONResponse(outcome.to_wire(), status_code=202)
    if isinstance(outcome, bulk_sends.Accepted):  # a big audience: written in the background
        return JSONResponse(outcome.to_wire(), status_code=202)
    return JSONResponse({"count": len(outcome), "ids": [n["id"] for n in outcome]}, status_code=201)


async def stats(request: Request) -> Response:
    await require_sender(request)
    result = await get_notification_broadcaster().cluster_stats()
    return JSONResponse(result.to_wire())


CURSOR = {"type": "string", "pattern": "^[0-9]{1,18}$"}
_BOOL = {"type": "string", "enum": ["true", "false", "1", "0"]}
_LIST_PARAMS = (
    Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20}, "page size"),
    Param("before", "query", CURSOR, "the `nextCursor` of the previous page; a malformed one is 422"),
    Param("unread", "query", _BOOL, "only unread ones"),
    Param("unseen", "query", _BOOL, "only unseen ones"),
    Param("archived", "query", _BOOL, "the Archived view instead of the inbox"),
    Param("category", "query", {"type": "string", "pattern": f"^{CATEGORY_SLUG}$"}, "only this category"),
)
_ID = Param("notification_id", "path", {"type": "string"}, "a notification id (`notif_...`)")

routes = [
    ApiRoute(
        "/api/notifications",
        list_notifications,
        "GET",
        Operation(
            "The signed-in user's notifications, newest first, a page at a time",
            "notifications",
            (
                Reply(200, "a page", NotificationPage),
                Reply(422, "a query parameter is out of range or malformed; `field` names it"),
            ),
            auth="user",
            params=_LIST_PARAMS,
        ),
    ),
    ApiRoute(
        "/api/notifications",
        send,
        "POST",
        Operation(
            "Send a notification to usernames or to everybody (operators, API keys)",
            "notifications",
            (
                Reply(201, "sent; one notification per recipient", SendResult),
                Reply(202, "with `sendAt`: stored, sent at that time (GET /api/scheduled lists it)", ScheduledResult),
                Reply(
                    202,
                    "to more than `NC_BULK_SEND_THRESHOLD` recipients (default 1,000): accepted, written in"
                    " batches in the background; GET /api/history/{sendId} shows the progress",
                    AcceptedResult,
                ),
                Reply(422, "an unknown recipient (named in `unknown`); nothing was sent"),
            ),
            auth="sender",
            body=SendRequest,
        ),
    ),
    ApiRoute(
        "/api/notifications/stats",
        stats,
        "GET",
        Operation(
            "Open streams, cluster-wide with Redis (operators, API keys)",
            "notifications",
            (Reply(200, "the counts", StatsBody),),
            auth="sender",
        ),
    ),
    ApiRoute(
        "/api/notifications/read-all",
        mark_all_read,
        "POST",
        Operation(
            "Mark all of the user's notifications read",
            "notifications",
            (Reply(200, "how many changed", ReadAllResult),),
            auth="user",
        ),
    ),
    ApiRoute(
        "/api/notifications/{notification_id}/seen",
        mark_seen,
        "POST",
        Operation(
            "Mark one notification seen (idempotent); every tab of the user gets a `seen` event",
            "notifications",
            (
                Reply(200, "the notification as it is now", NotificationBody),
                Reply(404, "no such notification of this user"),
                Reply(410, "the notification expired (notifications/states.py): it is in no view"),
                Reply(404, "an id with a line break (answered before the API)", None, "text/plain"),
            ),
            auth="user",
            params=(_ID,),
        ),
    ),
    ApiRoute(
        "/api/notifications/{notification_id}/read",
        mark_read,
        "POST",
        Operation(
            "Mark one notification read (idempotent)",
            "notifications",
            (
                Reply(200, "the notification as it is now", NotificationBody),
                Reply(404, "no such notification of this user"),
                Reply(410, "the notification expired (notifications/states.py): it is in no view"),
                # Reflex's outer router matches paths with `.*`, which stops at a line break:
                # such a path never reaches the API and gets Starlette's plain-text 404.
                Reply(404, "an id with a line break (answered before the API)", None, "text/plain"),
            ),
            auth="user",
            params=(_ID,),
        ),
    ),
]
