"""GET /api/health (database and Redis reachability) and GET /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import hmac

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import HealthBody
from notification_center.api.spec import ApiRoute, Operation, Reply
from notification_center.monitoring import dependencies
from notification_center.settings import get_settings


async def health(_request: Request) -> Response:
    db_ok, redis = await asyncio.gather(dependencies.database_ok(), dependencies.redis_status())
    healthy = db_ok and redis != "error"
    body = {"status": "ok" if healthy else "degraded", "db": "ok" if db_ok else "error", "redis": redis}
    return JSONResponse(body, status_code=200 if healthy else 503)


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Constant-time: the comparison must not tell a prober how much of the token was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


async def metrics(request: Request) -> Response:
    """Prometheus text; behind `Authorization: Bearer NC_METRICS_TOKEN` when that is set."""
    token = get_settings().metrics_token
    if token is not None and not _bearer_matches(request, token):
        return JSONResponse(
            {"error": "metrics need Authorization: Bearer <NC_METRICS_TOKEN>"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


routes = [
    ApiRoute(
        "/api/health",
        health,
        "GET",
        Operation(
            "Database and Redis reachability",
            "operations",
            (Reply(200, "all reachable", HealthBody), Reply(503, "degraded", HealthBody)),
            uses_database=False,  # it catches the database's errors and reports them itself
        ),
    ),
    ApiRoute(
        "/metrics",
        metrics,
        "GET",
        Operation(
            "Prometheus metrics",
            "operations",
            (
                Reply(200, "Prometheus text format", None, "text/plain"),
                Reply(401, "NC_METRICS_TOKEN is set and the bearer token is missing or wrong"),
            ),
        ),
    ),
]
