"""The API's one answer for "the database is away": 503 JSON with Retry-After.

Registered on the API app for the database's exception classes (api/__init__.py), so no
route needs a try/except of its own: whatever a route, a dependency check (sign-in, API
key) or the stream's connect raises when the database cannot be reached, timed out or is
read-only becomes `{"error": "the database ...", "retryAfter": N}` with `Retry-After: N`,
never Starlette's 500 text page. Other database errors are re-raised and stay 500s: they
are bugs, and a 503 would invite clients to repeat them. The database rolled back the
request's transaction (db.session_scope), so a 503 changed nothing.
"""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from notification_center.monitoring import dependencies
from notification_center.outages import Outage, classify
from notification_center.settings import get_settings

try:
    import psycopg2
except ImportError:  # pragma: no cover - psycopg2 is in requirements.txt
    psycopg2 = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# What the handler is registered for: SQLAlchemy's errors and the drivers' own.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    SQLAlchemyError,
    sqlite3.Error,
    *((psycopg2.Error,) if psycopg2 is not None else ()),
)


def outage_response(outage: Outage) -> JSONResponse:
    """The 503 every route gives while `outage` lasts."""
    retry_after = get_settings().outage_retry_after_seconds
    return JSONResponse(
        {"error": outage.message(), "retryAfter": retry_after},
        status_code=503,
        headers={"Retry-After": str(retry_after)},
    )


async def database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    outage = classify(exc)
    if outage is None:
        raise exc  # not an outage: Starlette's 500, with the traceback in the log
    dependencies.record_outage(outage)
    # One line, no traceback: while the database is away every request would log one.
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    logger.warning(
        "%s %s: 503, %s (%s: %s)", request.method, request.url.path, outage.message(), type(exc).__name__, first_line
    )
    return outage_response(outage)
