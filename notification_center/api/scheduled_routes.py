"""Scheduled sends (operators, or API keys like sending): list the pending ones, cancel one. Sending with `sendAt`
is `POST /api/notifications` (notification_routes.py). An operator sees and cancels every pending send; an API key
only those it scheduled (another's is 404 to it, like a missing one)."""

from __future__ import annotations

import re
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.bodies import ScheduledList, ScheduledSendBody
from notification_center.api.deps import ApiError, client_ip, require_sender
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.scheduling import scheduled_sends


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(scheduled_sends.MAX_LISTED))
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= scheduled_sends.MAX_LISTED:
        raise ApiError(422, f"limit: must be an integer from 1 to {scheduled_sends.MAX_LISTED}", field="limit")
    return int(raw)


async def list_scheduled(request: Request) -> Response:
    actor = await require_sender(request)
    limit = _limit(request)
    return JSONResponse(await run_in_threadpool(partial(scheduled_sends.list_pending, limit, actor=actor)))


async def cancel_scheduled(request: Request) -> Response:
    actor = await require_sender(request)
    scheduled_id = request.path_params["scheduled_id"]
    try:
        return JSONResponse(await scheduled_sends.cancel(scheduled_id, actor=actor, ip=client_ip(request)))
    except scheduled_sends.CancelError as exc:
        if exc.status is None:
            raise ApiError(404, f"no scheduled send {scheduled_id!r}") from None
        raise ApiError(409, f"this scheduled send is {exc.status} already", state=exc.status) from None


routes = [
    ApiRoute(
        "/api/scheduled",
        list_scheduled,
        "GET",
        Operation(
            "Pending scheduled sends, soonest first (operators: all of them; an API key: those it scheduled)",
            "scheduled",
            (
                Reply(200, "the pending sends", ScheduledList),
                Reply(422, "`limit` is out of range or malformed"),
            ),
            auth="sender",
            params=(
                Param(
                    "limit",
                    "query",
                    {"type": "integer", "minimum": 1, "maximum": scheduled_sends.MAX_LISTED},
                    "at most this many",
                ),
            ),
        ),
    ),
    ApiRoute(
        "/api/scheduled/{scheduled_id}",
        cancel_scheduled,
        "DELETE",
        Operation(
            "Cancel a pending scheduled send (operators: any; an API key: one it scheduled)",
            "scheduled",
            (
                Reply(200, "cancelled; the send as it is now", ScheduledSendBody),
                Reply(404, "no such scheduled send (for an API key: none that it scheduled)"),
                Reply(409, "it was sent (or cancelled, or failed) already; `state` says which"),
                Reply(404, "an id with a line break (answered before the API)", None, "text/plain"),
            ),
            auth="sender",
            params=(Param("scheduled_id", "path", {"type": "string"}, "a scheduled send id (`sched_...`)"),),
        ),
    ),
]
