"""Refuse state-changing API requests that a browser says come from another site.

SameSite=Lax keeps the session cookie off cross-site requests, but not off requests from
a sibling subdomain (same-site, cross-origin); the browser's Sec-Fetch-Site header tells
those apart. Clients that send no such header (curl, other services) are not browsers
and carry credentials of their own choosing. JSON bodies are additionally required to be
`application/json` (deps.json_body), which HTML forms cannot send. Origins listed in
`NC_CORS_ORIGINS` are trusted like this one: CORS lets them read answers, so they may send too.

A request carrying an API key (`Authorization: Bearer`) and no session cookie is let through
from anywhere: a browser never adds that header by itself, so whoever sent it chose the key,
which is not an ambient credential. With a session cookie beside it, the check still applies.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_SITES = frozenset({b"same-origin", b"none"})


class CrossSiteGuard:
    def __init__(self, app: ASGIApp, trusted_origins: Iterable[str] = (), session_cookie: str = "nc_session") -> None:
        self.app = app
        self.trusted_origins = frozenset(origin.encode() for origin in trusted_origins)
        self.session_cookie = session_cookie

    def _key_without_cookie(self, headers: dict[bytes, bytes]) -> bool:
        if not headers.get(b"authorization", b"").lower().startswith(b"bearer "):
            return False
        cookies = cookie_parser(headers.get(b"cookie", b"").decode("latin-1"))
        return self.session_cookie not in cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS and scope["path"].startswith("/api/"):
            headers = dict(scope["headers"])
            site = headers.get(b"sec-fetch-site", b"same-origin")
            if (
                site not in ALLOWED_SITES
                and headers.get(b"origin", b"").lower() not in self.trusted_origins
                and not self._key_without_cookie(headers)
            ):
                response = JSONResponse({"error": "cross-site requests are not allowed"}, status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
