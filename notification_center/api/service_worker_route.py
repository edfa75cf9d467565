"""`GET /sw.js`: the Web Push service worker, from the package (notification_center/web).

A service worker controls only the paths below its own URL, so it must be served from the
root of the origin, which an app's build folder would give only if the file sat in that
app's own `assets/`. Served here, it travels with the package into any Reflex app that
mounts the API. Not part of the JSON API (and not in its OpenAPI document): a static file.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notification_center.web import SERVICE_WORKER

PATH = "/sw.js"


async def service_worker(request: Request) -> Response:
    return Response(
        SERVICE_WORKER.read_bytes(),
        media_type="text/javascript",
        # A new deploy's worker must reach browsers on their next visit, not after a cache's lifetime.
        headers={"Cache-Control": "no-cache"},
    )


route = Route(PATH, service_worker, methods=["GET", "HEAD"])
