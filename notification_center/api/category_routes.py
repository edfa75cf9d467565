"""GET /api/categories (any signed-in user: the inbox tabs need the names) and
POST /api/categories (operators: create or update)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import CategoryBody, CategoryList, CategoryRequest
from notification_center.api.deps import ApiError, client_ip, require_operator, require_user
from notification_center.api.model_body import model_body
from notification_center.api.spec import ApiRoute, Operation, Reply
from notification_center.audit.service import Actor
from notification_center.categories import service as categories
from notification_center.db import session_scope


def _list() -> dict:
    with session_scope() as session:
        return {"categories": [c.to_wire() for c in categories.list_categories(session=session)]}


async def list_categories(request: Request) -> Response:
    await require_user(request)
    return JSONResponse(await run_in_threadpool(_list))


def _save(body: CategoryRequest, actor: Actor, ip: str | None) -> tuple[dict, bool]:
    with session_scope() as session:
        info, created = categories.save_category(
            session=session,
            slug=body.slug,
            name=body.name,
            description=body.description,
            critical=body.critical,
            actor=actor,
            ip=ip,
            email_delay_minutes=body.emailDelayMinutes,
        )
        return info.to_wire(), created


async def save_category(request: Request) -> Response:
    user = await require_operator(request)
    body = await model_body(request, CategoryRequest)
    try:
        saved, created = await run_in_threadpool(_save, body, Actor.user(user.id, user.username), client_ip(request))
    except categories.CategoryRuleError as exc:
        raise ApiError(422, exc.message, field=exc.field) from None
    return JSONResponse(saved, status_code=201 if created else 200)


routes = [
    ApiRoute(
        "/api/categories",
        list_categories,
        "GET",
        Operation(
            "The notification categories (for inbox tabs and preferences)",
            "categories",
            (Reply(200, "every category", CategoryList),),
            auth="user",
        ),
    ),
    ApiRoute(
        "/api/categories",
        save_category,
        "POST",
        Operation(
            "Create or update a category (operators)",
            "categories",
            (
                Reply(200, "updated", CategoryBody),
                Reply(201, "created", CategoryBody),
                Reply(422, "invalid, or `security` made mutable; `field` names the problem"),
            ),
            auth="operator",
            body=CategoryRequest,
        ),
    ),
]
