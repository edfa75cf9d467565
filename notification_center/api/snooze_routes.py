"""Snooze and un-snooze one of the signed-in user's notifications (scheduling/snooze.py)."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import NotificationBody, SnoozeRequest
from notification_center.api.deps import ApiError, json_body, require_user
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.notifications.schemas import describe_errors
from notification_center.scheduling import snooze

_ID = Param("notification_id", "path", {"type": "string"}, "a notification id (`notif_...`)")
_LINE_BREAK = Reply(404, "an id with a line break (answered before the API)", None, "text/plain")


async def snooze_notification(request: Request) -> Response:
    user = await require_user(request)
    notification_id = request.path_params["notification_id"]
    body = await json_body(request)
    try:
        until = SnoozeRequest.model_validate(body).until
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise ApiError(422, message, field=details[0]["field"], details=details) from None
    try:
        result = await snooze.snooze(user_id=user.id, notification_id=notification_id, until=until)
    except ValueError as exc:  # the time passed while the request travelled
        raise ApiError(422, f"until: {exc}", field="until") from None
    if result.refused is not None:  # notifications/states.py: refused in the row's state
        raise ApiError(result.refused.status, result.refused.message)
    if result.notification is None:
        raise ApiError(404, f"no notification {notification_id!r}")
    return JSONResponse(result.notification)


async def unsnooze_notification(request: Request) -> Response:
    user = await require_user(request)
    notification_id = request.path_params["notification_id"]
    result = await snooze.unsnooze(user_id=user.id, notification_id=notification_id)
    if result.refused is not None:  # notifications/states.py: refused in the row's state
        raise ApiError(result.refused.status, result.refused.message)
    if result.notification is None:
        raise ApiError(404, f"no notification {notification_id!r}")
    return JSONResponse(result.notification)


routes = [
    ApiRoute(
        "/api/notifications/{notification_id}/snooze",
        snooze_notification,
        "POST",
        Operation(
            "Snooze a notification until a time: it leaves the list and badges, then comes back"
            " (an `updated` event on every tab of the user)",
            "notifications",
            (
                Reply(200, "the notification as it is now (`snoozedUntil` set)", NotificationBody),
                Reply(404, "no such notification of this user (or deleted)"),
                Reply(409, "the notification is archived: unarchive it first (notifications/states.py)"),
                Reply(410, "the notification expired: it is in no view"),
                _LINE_BREAK,
            ),
            auth="user",
            body=SnoozeRequest,
            params=(_ID,),
        ),
    ),
    ApiRoute(
        "/api/notifications/{notification_id}/unsnooze",
        unsnooze_notification,
        "POST",
        Operation(
            "Bring a snoozed notification back now (idempotent: one that is not snoozed stays as it is)",
            "notifications",
            (
                Reply(200, "the notification as it is now", NotificationBody),
                Reply(404, "no such notification of this user"),
                Reply(410, "the notification expired: it is in no view"),
                _LINE_BREAK,
            ),
            auth="user",
            params=(_ID,),
        ),
    ),
]
