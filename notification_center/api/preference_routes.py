"""GET /api/preferences and PUT /api/preferences: the signed-in user's alert preferences."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import PreferencesBody, PreferencesUpdate
from notification_center.api.deps import ApiError, require_user
from notification_center.api.model_body import model_body
from notification_center.api.spec import ApiRoute, Operation, Reply
from notification_center.preferences import service as preferences


async def get_preferences(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await preferences.load(user_id=user.id))


async def put_preferences(request: Request) -> Response:
    user = await require_user(request)
    body = await model_body(request, PreferencesUpdate)
    changes = {slug: change.model_dump() for slug, change in body.preferences.items()}
    try:
        result = await preferences.save(user_id=user.id, changes=changes)
    except preferences.PreferenceError as exc:
        raise ApiError(422, exc.message, field=exc.field) from None
    return JSONResponse(result)


routes = [
    ApiRoute(
        "/api/preferences",
        get_preferences,
        "GET",
        Operation(
            "How each category alerts this user (toast, sound, desktop)",
            "preferences",
            (Reply(200, "every category with its preferences", PreferencesBody),),
            auth="user",
        ),
    ),
    ApiRoute(
        "/api/preferences",
        put_preferences,
        "PUT",
        Operation(
            "Change how categories alert; every tab of the user gets a `preferences` event",
            "preferences",
            (
                Reply(200, "every category with its preferences, as saved", PreferencesBody),
                Reply(422, "an unknown category, or a critical one turned off; `field` names it; nothing saved"),
            ),
            auth="user",
            body=PreferencesUpdate,
        ),
    ),
]
