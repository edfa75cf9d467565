"""Web Push routes: the VAPID public key, and the signed-in user's own subscriptions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import NotificationBody
from notification_center.api.deps import ApiError, require_user
from notification_center.api.model_body import model_body
from notification_center.api.push_bodies import (
    PushClickRequest,
    PushKey,
    PushSubscriptionBody,
    PushSubscriptionList,
    PushSubscriptionRequest,
)
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.push import clicks, subscriptions
from notification_center.settings import get_settings


async def push_key(request: Request) -> Response:
    await require_user(request)
    return JSONResponse({"publicKey": get_settings().vapid_public_key})


async def subscribe(request: Request) -> Response:
    user = await require_user(request)
    body = await model_body(request, PushSubscriptionRequest)
    try:
        saved = await subscriptions.save_async(
            user_id=user.id,
            endpoint=body.endpoint,
            p256dh=body.keys.p256dh,
            auth=body.keys.auth,
            user_agent=request.headers.get("user-agent", ""),
            limit=get_settings().push_max_subscriptions_per_user,
            allowed_hosts=get_settings().push_allowed_hosts,
        )
    except subscriptions.SubscriptionError as exc:
        raise ApiError(exc.status, exc.message, field=exc.field) from None
    return JSONResponse(saved.subscription, status_code=201 if saved.created else 200)


async def list_subscriptions(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse({"items": await subscriptions.list_async(user_id=user.id)})


async def unsubscribe(request: Request) -> Response:
    user = await require_user(request)
    subscription_id = request.path_params["subscription_id"]
    if len(subscription_id) > 40 or not await subscriptions.remove_async(
        user_id=user.id, subscription_id=subscription_id
    ):
        raise ApiError(404, "no such push subscription of yours", field="subscription_id")
    return Response(status_code=204)


async def clicked(request: Request) -> Response:
    """The service worker's report of a click: read in every tab, and counted as clicked."""
    user = await require_user(request)
    body = await model_body(request, PushClickRequest)
    result = await clicks.record_click(user_id=user.id, notification_id=body.notificationId)
    if result.refused is not None:  # notifications/states.py: e.g. it expired meanwhile
        raise ApiError(result.refused.status, result.refused.message, field="notificationId")
    if result.notification is None:
        raise ApiError(404, f"no notification {body.notificationId!r}", field="notificationId")
    return JSONResponse(result.notification)


routes = [
    ApiRoute(
        "/api/push/key",
        push_key,
        "GET",
        Operation(
            "The VAPID public key browsers subscribe with (`applicationServerKey`)",
            "push",
            (Reply(200, "the key", PushKey),),
            auth="user",
        ),
    ),
    ApiRoute(
        "/api/push/subscriptions",
        subscribe,
        "POST",
        Operation(
            "Subscribe this browser to Web Push (the browser's PushSubscription JSON)",
            "push",
            (
                Reply(200, "this endpoint was known: updated (now this user's)", PushSubscriptionBody),
                Reply(201, "subscribed", PushSubscriptionBody),
                Reply(409, "this user has NC_PUSH_MAX_SUBSCRIPTIONS_PER_USER browsers already; nothing stored"),
                Reply(422, "not https, too long, or keys that are not a P-256 key / 16 bytes; `field` names it"),
            ),
            auth="user",
            body=PushSubscriptionRequest,
        ),
    ),
    ApiRoute(
        "/api/push/subscriptions",
        list_subscriptions,
        "GET",
        Operation(
            "This user's subscribed browsers",
            "push",
            (Reply(200, "the subscriptions (keys not echoed)", PushSubscriptionList),),
            auth="user",
        ),
    ),
    ApiRoute(
        "/api/push/subscriptions/{subscription_id}",
        unsubscribe,
        "DELETE",
        Operation(
            "Unsubscribe one of this user's browsers",
            "push",
            (
                Reply(204, "removed", None),
                Reply(404, "no such subscription of this user's"),
                Reply(404, "an id with a line break (answered before the API)", None, "text/plain"),
            ),
            auth="user",
            params=(Param("subscription_id", "path", {"type": "string"}, "a subscription id (`push_...`)"),),
        ),
    ),
    ApiRoute(
        "/api/push/clicks",
        clicked,
        "POST",
        Operation(
            "Report a click on a push (the service worker sends it): the notification is read",
            "push",
            (
                Reply(200, "the notification as it is now (read)", NotificationBody),
                Reply(404, "no such notification of this user"),
            ),
            auth="user",
            body=PushClickRequest,
            description="Marks the notification read exactly as `POST /api/notifications/{id}/read` does"
            " (every open tab hears it) and stamps the push delivery clicked, for the history's figures.",
        ),
    ),
]
