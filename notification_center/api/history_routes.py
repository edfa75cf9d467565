"""The sent history (issue 12): GET /api/history and GET /api/history/{send_id}, operators only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import HistoryDetail, HistoryPage
from notification_center.api.deps import ApiError, require_operator
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.db import session_scope
from notification_center.history import queries
from notification_center.models import NotificationType
from notification_center.notifications.senders import KINDS

SEND_ID = queries.SEND_ID
TYPES = [t.value for t in NotificationType]


def _limit(request: Request, default: int, maximum: int) -> int:
    raw = request.query_params.get("limit", str(default))
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= maximum:
        raise ApiError(422, f"limit: must be an integer from 1 to {maximum}", field="limit")
    return int(raw)


def _moment(request: Request, name: str) -> datetime | None:
    """An ISO 8601 date or date-time; without a zone it is UTC. Stored times are UTC."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 with a positive offset
        raise ApiError(422, f"{name}: must be an ISO 8601 date or date-time", field=name) from None


def _text(request: Request, name: str) -> str | None:
    """A short text parameter; NUL (which PostgreSQL cannot compare) is refused."""
    raw = request.query_params.get(name)
    if raw is not None and (not 1 <= len(raw) <= 64 or "\x00" in raw):
        raise ApiError(422, f"{name}: must be 1 to 64 characters, without NUL", field=name)
    return raw


def _filters(request: Request) -> queries.HistoryFilter:
    params = request.query_params
    sender = _text(request, "sender")
    kind = params.get("senderKind")
    if kind is not None and kind not in KINDS:
        raise ApiError(422, f"senderKind: must be one of {', '.join(KINDS)}", field="senderKind")
    kind_of = params.get("type")
    if kind_of is not None and kind_of not in TYPES:
        raise ApiError(422, f"type: must be one of {', '.join(TYPES)}", field="type")
    since, until = _moment(request, "from"), _moment(request, "to")
    if since is not None and until is not None and until < since:
        raise ApiError(422, "to: must not be before from", field="to")
    return queries.HistoryFilter(sender=sender, sender_kind=kind, type=kind_of, since=since, until=until)


async def list_history(request: Request) -> Response:
    await require_operator(request)
    limit = _limit(request, 20, 100)
    filters = _filters(request)
    before = request.query_params.get("before")
    if before is not None and not re.fullmatch(SEND_ID, before):
        raise ApiError(422, "before: not a cursor returned by this API", field="before")

    def read() -> dict:
        with session_scope() as session:
            page = queries.list_sends(session=session, filters=filters, limit=limit, before=before)
            return {"items": page.items, "nextCursor": page.next_cursor}

    return JSONResponse(await run_in_threadpool(read))


async def history_detail(request: Request) -> Response:
    await require_operator(request)
    send_id = request.path_params["send_id"]
    limit = _limit(request, 100, 500)
    after = _text(request, "after")

    def read() -> dict | None:
        if not queries.is_send_id(send_id):  # not one of ours (and nothing to send to SQL)
            return None
        with session_scope() as session:
            return queries.send_detail(session=session, send_id=send_id, limit=limit, after=after)

    detail = await run_in_threadpool(read)
    if detail is None:
        raise ApiError(404, f"no send {send_id!r}")
    return JSONResponse(detail)


_DATE = {"type": "string"}  # ISO 8601, date or date-time: wider than the "date-time" format
routes = [
    ApiRoute(
        "/api/history",
        list_history,
        "GET",
        Operation(
            "The sent history with delivered/seen/read figures, newest first (operators)",
            "history",
            (
                Reply(200, "a page of sends", HistoryPage),
                Reply(422, "a query parameter is out of range or malformed; `field` names it"),
            ),
            auth="operator",
            params=(
                Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "page size"),
                Param("before", "query", {"type": "string", "pattern": f"^{SEND_ID}$"}, "the previous `nextCursor`"),
                Param("sender", "query", {"type": "string", "minLength": 1, "maxLength": 64}, "sender label"),
                Param("senderKind", "query", {"type": "string", "enum": list(KINDS)}, "user, key or system"),
                Param("type", "query", {"type": "string", "enum": TYPES}, "notification type"),
                Param("from", "query", _DATE, "sent at or after (ISO 8601; UTC without a zone)"),
                Param("to", "query", _DATE, "sent before (ISO 8601; UTC without a zone); not before `from`"),
            ),
        ),
    ),
    ApiRoute(
        "/api/history/{send_id}",
        history_detail,
        "GET",
        Operation(
            "One send: its figures and when each recipient got, saw and read it (operators)",
            "history",
            (
                Reply(200, "the send and a page of its recipients", HistoryDetail),
                Reply(404, "no such send"),
                Reply(404, "an id with a line break (answered before the API)", None, "text/plain"),
                Reply(422, "a query parameter is out of range or malformed; `field` names it"),
            ),
            auth="operator",
            params=(
                Param("send_id", "path", {"type": "string"}, "a send id (`send_...`)"),
                Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}, "page size"),
                Param(
                    "after", "query", {"type": "string", "minLength": 1, "maxLength": 64}, "the previous `nextCursor`"
                ),
            ),
        ),
    ),
]
