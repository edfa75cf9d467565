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
        """The methods of the routes whose path matches (Starlette's PARTIAL match).

        A concrete path shadows a templated one, as in OpenAPI: `/api/notifications/read-all`
        allows POST, though `DELETE /api/notifications/{notification_id}` matches it too."""
        matched = [r for r in self.routes if isinstance(r, Route) and r.matches(scope)[0] is Match.PARTIAL]
        concrete = [r for r in matched if not r.param_convertors]
        return sorted({method for route in concrete or matched for method in route.methods or ()})

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
