"""`GET /sw.js`: the Web Push service worker, from the package (notification_center/web).

A service worker controls only the paths below its own URL, so it must be served from the
root of the origin, which an app's build folder would give only if the file sat in that
app's own `assets/`. Served here, it travels with the package into any Reflex app that
mounts the API.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from notification_center.api.spec import ApiRoute, Operation, Reply
from notification_center.web import SERVICE_WORKER

PATH = "/sw.js"


async def service_worker(request: Request) -> Response:
    return Response(
        SERVICE_WORKER.read_bytes(),
        media_type="text/javascript",
        # A new deploy's worker must reach browsers on their next visit, not after a cache's lifetime.
        headers={"Cache-Control": "no-cache"},
    )


routes = [
    ApiRoute(
        PATH,
        service_worker,
        "GET",
        Operation(
            "The Web Push service worker (scope /)",
            "push",
            (Reply(200, "the service worker's JavaScript", None, "text/javascript"),),
            uses_database=False,
        ),
    )
]
