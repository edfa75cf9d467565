"""POST /api/notifications/{id}/action: the user chose one of a notification's actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import ActionChoice, NotificationBody
from notification_center.api.deps import ApiError, require_user
from notification_center.api.model_body import model_body
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.notifications import actions


async def take_action(request: Request) -> Response:
    user = await require_user(request)
    notification_id = request.path_params["notification_id"]
    body = await model_body(request, ActionChoice)
    try:
        result = await actions.take_action(user_id=user.id, notification_id=notification_id, action_id=body.actionId)
    except actions.ActionError as exc:
        extra = {"field": exc.field} if exc.field else {}
        raise ApiError(exc.status, exc.message, **extra) from None
    return JSONResponse(result.notification)


routes = [
    ApiRoute(
        "/api/notifications/{notification_id}/action",
        take_action,
        "POST",
        Operation(
            "Record the user's choice of an action (first choice wins) and mark it read;"
            " every tab gets an `updated` event",
            "notifications",
            (
                Reply(200, "the notification as it is now (`actionTaken` set)", NotificationBody),
                Reply(404, "no such notification of this user"),
                Reply(404, "an id with a line break (answered before the API)", None, "text/plain"),
                Reply(409, "another action was chosen already"),
                Reply(410, "the notification expired (notifications/states.py): it is in no view"),
                Reply(422, "not one of this notification's actions; `field` is `actionId`"),
            ),
            auth="user",
            body=ActionChoice,
            params=(Param("notification_id", "path", {"type": "string"}, "a notification id (`notif_...`)"),),
        ),
    ),
]
