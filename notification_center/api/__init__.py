"""The HTTP API (auth, notifications, stream, health, metrics) as one Starlette app.

Reflex mounts its own backend beneath it through `rx.App(api_transformer=...)`, so these
routes are matched first and everything else falls through to Reflex.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from notification_center.api import (
    action_routes,
    audit_routes,
    auth_routes,
    category_routes,
    email_routes,
    fault_routes,
    health_routes,
    history_routes,
    key_routes,
    lifecycle_routes,
    notification_routes,
    preference_routes,
    push_routes,
    scheduled_routes,
    service_worker_route,
    snooze_routes,
    stream,
    ws_stream,
)
from notification_center.api.body_limit import BodySizeLimit
from notification_center.api.csrf import CrossSiteGuard
from notification_center.api.deps import ApiError, api_error_handler
from notification_center.api.fallback import fallback_route
from notification_center.api.openapi import documentation_routes
from notification_center.api.outage_handler import DATABASE_ERRORS, database_error_handler
from notification_center.api.security_headers import SecurityHeadersMiddleware
from notification_center.api.spec import ApiRoute
from notification_center.auth.sessions import cookie_name
from notification_center.settings import get_settings


def api_routes() -> list[ApiRoute]:
    """Every documented route, the OpenAPI document and docs page included."""
    served = [
        *auth_routes.routes,
        *stream.routes,
        *ws_stream.routes,
        *notification_routes.routes,
        *snooze_routes.routes,
        *scheduled_routes.routes,
        *lifecycle_routes.routes,
        *history_routes.routes,
        *key_routes.routes,
        *audit_routes.routes,
        *health_routes.routes,
        *category_routes.routes,
        *preference_routes.routes,
        *push_routes.routes,
        *service_worker_route.routes,
        *email_routes.routes,
        *action_routes.routes,
        # Off unless NC_FAULT_INJECTION=1 (tests only): unrouted, the path is a plain 404.
        *(fault_routes.routes if get_settings().fault_injection else ()),
    ]
    return [*served, *documentation_routes(served)]


def build_api() -> Starlette:
    settings = get_settings()
    routes = api_routes()
    return Starlette(
        # The fallback last: /api/ paths no route took answer JSON 404/405 rather than
        # falling through to Reflex's pages.
        routes=[*routes, fallback_route(routes)],
        # A database that is away answers 503 JSON on every route, the stream's connect too.
        exception_handlers={ApiError: api_error_handler, **dict.fromkeys(DATABASE_ERRORS, database_error_handler)},
        # Outermost first: every answer (also the guards' refusals) carries the security headers;
        # cross-site refusals need no body; then no route reads past the size limit.
        middleware=[
            Middleware(SecurityHeadersMiddleware, hsts=settings.cookie_secure),
            Middleware(CrossSiteGuard, trusted_origins=settings.cors_origins, session_cookie=cookie_name()),
            Middleware(BodySizeLimit),
        ],
    )
