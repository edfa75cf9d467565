"""GET /api/audit (a page, newest first) and GET /api/audit.csv (all of it), operators only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from notification_center.api.bodies import AuditPageBody
from notification_center.api.deps import ApiError, require_operator
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.audit import service as audit
from notification_center.audit.csv_export import csv_lines
from notification_center.db import session_scope

MAX_LIMIT = 200
EXPORT_BATCH = 1000


def _page(limit: int, before: int | None) -> dict:
    with session_scope() as session:
        page = audit.list_page(session=session, limit=limit, before=before)
        return {"items": [audit.to_wire(event) for event in page.items], "nextCursor": page.next_cursor}


async def list_audit(request: Request) -> Response:
    await require_operator(request)
    raw_limit = request.query_params.get("limit", "50")
    if not re.fullmatch(r"[0-9]{1,4}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise ApiError(422, f"limit: must be an integer from 1 to {MAX_LIMIT}", field="limit")
    before_raw = request.query_params.get("before")
    before = audit.parse_cursor(before_raw) if before_raw is not None else None
    if before_raw is not None and before is None:
        raise ApiError(422, "before: not a cursor returned by this API", field="before")
    return JSONResponse(await run_in_threadpool(_page, int(raw_limit), before))


async def _export_rows() -> AsyncIterator[str]:
    """The CSV a batch at a time: memory stays flat however long the log is, and each
    batch's database read runs off the event loop."""
    before: int | None = None
    first = True
    while True:
        page = await run_in_threadpool(_page, EXPORT_BATCH, before)
        lines = csv_lines(page["items"])
        header = next(lines)
        if first:
            yield header
            first = False
        for line in lines:
            yield line
        if page["nextCursor"] is None:
            return
        before = int(page["nextCursor"])


async def export_audit(request: Request) -> Response:
    await require_operator(request)
    return StreamingResponse(
        _export_rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"', "Cache-Control": "no-store"},
    )


routes = [
    ApiRoute(
        "/api/audit",
        list_audit,
        "GET",
        Operation(
            "The audit log, newest first, a page at a time (operators)",
            "audit",
            (
                Reply(200, "a page", AuditPageBody),
                Reply(422, "a query parameter is out of range or malformed; `field` names it"),
            ),
            auth="operator",
            params=(
                Param(
                    "limit",
                    "query",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
                    "page size",
                ),
                Param(
                    "before",
                    "query",
                    {"type": "string", "pattern": "^[0-9]{1,18}$"},
                    "the `nextCursor` of the previous page",
                ),
            ),
        ),
    ),
    ApiRoute(
        "/api/audit.csv",
        export_audit,
        "GET",
        Operation(
            "The whole audit log as CSV, newest first (operators)",
            "audit",
            (Reply(200, "CSV with a header line; formula-like cells are prefixed with '", None, "text/csv"),),
            auth="operator",
        ),
    ),
]
