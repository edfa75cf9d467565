"""Archive, unarchive, delete, bulk actions and undo (issue 10), scoped to the signed-in user.

The rules live in notifications/lifecycle.py and notifications/bulk.py; these routes parse
the request, call them, and turn their outcomes into answers.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api import notification_actions
from notification_center.api.bodies import (
    BulkRequest,
    BulkResult,
    DeleteResult,
    NotificationBody,
    UndoRequest,
    UndoResult,
)
from notification_center.api.deps import ApiError, count_or_429, json_body, require_user
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.auth.rate_limit import get_bulk_rate_limiter
from notification_center.notifications import bulk, lifecycle, service
from notification_center.notifications.schemas import describe_errors


def _validated(model: type[BulkRequest] | type[UndoRequest], body: Any) -> Any:
    if not isinstance(body, dict):
        raise ApiError(422, "body: must be a JSON object", field="body")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise ApiError(422, message, field=details[0]["field"], details=details) from None


async def _set_archived(request: Request, action: str) -> Response:
    user = await require_user(request)
    notification_id = request.path_params["notification_id"]
    try:
        notification = await notification_actions.apply(action, user_id=user.id, notification_id=notification_id)
    except notification_actions.ActionRefused as refused:
        raise ApiError(refused.refusal.status, refused.refusal.message) from None
    if notification is None:
        raise ApiError(404, f"no notification {notification_id!r}")
    return JSONResponse(notification)


async def archive(request: Request) -> Response:
    return await _set_archived(request, "archive")


async def unarchive(request: Request) -> Response:
    return await _set_archived(request, "unarchive")


async def delete(request: Request) -> Response:
    user = await require_user(request)
    notification_id = request.path_params["notification_id"]
    result = await lifecycle.delete(user_id=user.id, notification_id=notification_id)
    if not result.ids:  # not the user's, or deleted already: either way not found
        raise ApiError(404, f"no notification {notification_id!r}")
    return JSONResponse({"id": notification_id, "deleted": True})


async def _count_bulk(user_id: str) -> None:
    message = "too many bulk actions and undos (NC_BULK_RATE_LIMIT); try again later"
    await count_or_429(get_bulk_rate_limiter(), user_id, message)


async def bulk_action(request: Request) -> Response:
    user = await require_user(request)
    await _count_bulk(user.id)
    parsed = _validated(BulkRequest, await json_body(request))
    if parsed.ids is None and parsed.filter is None:
        raise ApiError(422, "ids: give ids or filter", field="ids")
    if parsed.ids is not None and parsed.filter is not None:
        raise ApiError(422, "filter: give ids or filter, not both", field="filter")
    where = None
    if parsed.filter is not None:
        f = parsed.filter
        before = service.parse_cursor(f.before) if f.before is not None else None
        where = bulk.Filter(f.unread, f.unseen, f.archived, f.category, before, read=f.read)
    result = await bulk.bulk(user_id=user.id, action=parsed.action, ids=parsed.ids, where=where)
    return JSONResponse({"updated": result.updated, "undoToken": result.undo_token})


async def undo(request: Request) -> Response:
    user = await require_user(request)
    await _count_bulk(user.id)
    parsed = _validated(UndoRequest, await json_body(request))
    try:
        result = await bulk.undo(user_id=user.id, token=parsed.undoToken)
    except bulk.UndoError as exc:
        raise ApiError(exc.status, exc.message, field="undoToken") from None
    return JSONResponse({"updated": result.updated})


_ID = Param("notification_id", "path", {"type": "string"}, "a notification id (`notif_...`)")
_NOT_FOUND = (
    Reply(404, "no such notification of this user (or deleted)"),
    Reply(404, "an id with a line break (answered before the API)", None, "text/plain"),
)


def _archive_route(path: str, endpoint: Any, summary: str) -> ApiRoute:
    return ApiRoute(
        path,
        endpoint,
        "POST",
        Operation(
            summary,
            "notifications",
            (
                Reply(200, "the notification as it is now", NotificationBody),
                *_NOT_FOUND,
                Reply(410, "the notification expired (notifications/states.py): it is in no view"),
            ),
            auth="user",
            params=(_ID,),
        ),
    )


_TOO_MANY = Reply(429, "too many bulk actions and undos of this user (NC_BULK_RATE_LIMIT)", headers=("Retry-After",))

routes = [
    ApiRoute(
        "/api/notifications/bulk",
        bulk_action,
        "POST",
        Operation(
            "Apply one action to many notifications (by ids, or by the list's filter), undoably",
            "notifications",
            (
                Reply(200, "how many changed, and a token that undoes it within NC_UNDO_WINDOW_SECONDS", BulkResult),
                Reply(422, "an unknown action or filter field, or not exactly one of ids and filter; `field` names it"),
                _TOO_MANY,
            ),
            auth="user",
            body=BulkRequest,
            description=(
                "Changes exactly the user's rows among `ids` (up to 500) or matching `filter`, atomically. "
                "Every tab of the user gets one event (`read`, `seen`, `archived` or `deleted`) with the ids, "
                'or `"reload": true` when more than 500 changed.'
            ),
        ),
    ),
    ApiRoute(
        "/api/notifications/undo",
        undo,
        "POST",
        Operation(
            "Revert a bulk action (each row gets its previous values back)",
            "notifications",
            (
                Reply(200, "how many rows were restored", UndoResult),
                Reply(404, "`undoToken` is unknown, or another user's"),
                Reply(409, "`undoToken` was used already"),
                Reply(410, "`undoToken` expired (NC_UNDO_WINDOW_SECONDS passed)"),
                _TOO_MANY,
            ),
            auth="user",
            body=UndoRequest,
        ),
    ),
    _archive_route("/api/notifications/{notification_id}/archive", archive, "Archive one notification (idempotent)"),
    _archive_route(
        "/api/notifications/{notification_id}/unarchive", unarchive, "Back to the inbox from the archive (idempotent)"
    ),
    ApiRoute(
        "/api/notifications/{notification_id}",
        delete,
        "DELETE",
        Operation(
            "Delete one notification for its user (never listed, counted or replayed again)",
            "notifications",
            (Reply(200, "deleted (a snoozed or an expired one too)", DeleteResult), *_NOT_FOUND),
            auth="user",
            params=(_ID,),
        ),
    ),
]
