"""The HTTP API (auth, notifications, stream, health, metrics) as one Starlette app.

Reflex mounts its own backend beneath it through `rx.App(api_transformer=...)`, so these
routes are matched first and everything else falls through to Reflex.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from notification_center.api import auth_routes, health_routes, notification_routes, stream
from notification_center.api.body_limit import BodySizeLimit
from notification_center.api.csrf import CrossSiteGuard
from notification_center.api.deps import ApiError, api_error_handler
from notification_center.api.openapi import documentation_routes


def build_api() -> Starlette:
    served = [*auth_routes.routes, *stream.routes, *notification_routes.routes, *health_routes.routes]
    return Starlette(
        routes=[*served, *documentation_routes(served)],
        exception_handlers={ApiError: api_error_handler},
        # Cross-site refusals first: they need no body. Then no route reads past the size limit.
        middleware=[Middleware(CrossSiteGuard), Middleware(BodySizeLimit)],
    )
