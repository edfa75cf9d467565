"""Unknown paths and wrong methods under /api/ answer JSON (404 / 405), not Reflex's pages.

Reflex mounts its backend (and, in production, the built frontend) after the API routes,
so without this a `GET` to a POST-only route, or a path no route matches, got the
frontend's HTML 404 page: not what an API client can read, nor what the OpenAPI document says.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send


class ApiFallback:
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = routes

    def _allowed(self, scope: Scope) -> list[str]:
        """The methods of the routes whose path matches (Starlette's PARTIAL match)."""
        methods: set[str] = set()
        for route in self.routes:
            if isinstance(route, Route) and route.matches(scope)[0] is Match.PARTIAL:
                methods.update(route.methods or ())
        return sorted(methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if allowed := self._allowed(scope):
            body = {"error": f"method {scope['method']} is not allowed here; use {', '.join(allowed)}"}
            response = JSONResponse(body, status_code=405, headers={"Allow": ", ".join(allowed)})
        else:
            response = JSONResponse({"error": "no such API route"}, status_code=404)
        await response(scope, receive, send)


def fallback_route(routes: Sequence[BaseRoute]) -> Route:
    """The last API route: every method of every /api/ path that `routes` did not take."""
    return Route("/api/{rest:path}", ApiFallback(routes))
