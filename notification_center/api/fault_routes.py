"""Fault injection for the failure tests: a route that freezes this worker's event loop.

Why it exists: the stuck-worker guarantees (SIGTERM still ends the server, the watchdog
reports the stall; README "Stuck worker") can only be tested against a real stall, and the
real culprits (Reflex 0.10.1's `LiteralStringVar.create` on a `<reflex.Var>` tag) are being
closed one by one. The route spins on the CPU inside the coroutine, as that bug does.

It exists only when `NC_FAULT_INJECTION=1`; otherwise the path is not routed at all, so it
answers the API's ordinary 404. Never set that variable outside tests: anyone who can reach
the server could then freeze it.
"""

from __future__ import annotations

import time

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notification_center.api.spec import ApiRoute, Operation, Param, Reply

MAX_SECONDS = 300.0


class BlockedBody(BaseModel):
    blockedSeconds: float  # the wire is camelCase


def _seconds(request: Request) -> float | None:
    try:
        seconds = float(request.query_params.get("seconds", ""))
    except ValueError:
        return None
    return seconds if 0 < seconds <= MAX_SECONDS else None


async def block_event_loop(request: Request) -> Response:
    """Busy-loop on the event loop itself: nothing else in this worker runs meanwhile."""
    seconds = _seconds(request)
    if seconds is None:
        return JSONResponse({"error": f"seconds: a number above 0, at most {MAX_SECONDS:g}"}, status_code=422)
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # deliberately no await
        pass
    return JSONResponse({"blockedSeconds": seconds})


routes = [
    ApiRoute(
        "/api/_fault/block-event-loop",
        block_event_loop,
        "POST",
        Operation(
            "Freeze this worker's event loop (only with NC_FAULT_INJECTION=1, for tests)",
            "operations",
            (
                Reply(200, "the loop was blocked that long", BlockedBody),
                Reply(422, "seconds is missing, not a number, or out of range"),
            ),
            params=(
                Param(
                    "seconds",
                    "query",
                    {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_SECONDS},
                    "how long to spin",
                    required=True,
                ),
            ),
        ),
    ),
]
