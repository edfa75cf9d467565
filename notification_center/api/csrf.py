"""Refuse state-changing API requests that a browser says come from another site.

SameSite=Lax keeps the session cookie off cross-site requests, but not off requests from
a sibling subdomain (same-site, cross-origin); the browser's Sec-Fetch-Site header tells
those apart. Clients that send no such header (curl, other services) are not browsers
and carry credentials of their own choosing. JSON bodies are additionally required to be
`application/json` (deps.json_body), which HTML forms cannot send. Origins listed in
`NC_CORS_ORIGINS` are trusted like this one: CORS lets them read answers, so they may send too.

Browsers without Fetch Metadata (older ones) still send `Origin` on unsafe requests, so when
`Sec-Fetch-Site` is missing the `Origin` decides (OWASP's fallback): refused unless it is this
server's own origin (scheme and host as the request addressed them: the `Host` header and the
request's scheme, or the `X-Forwarded-Host`/`X-Forwarded-Proto` a reverse proxy sets; a page
cannot set those on a cross-origin request without a CORS preflight, which foreign origins do
not pass) or listed in `NC_CORS_ORIGINS`. A request with neither header is not from a browser
(curl, other services) and passes as before.

A request carrying an API key (`Authorization: Bearer`) and no session cookie is let through
from anywhere: a browser never adds that header by itself, so whoever sent it chose the key,
which is not an ambient credential. With a session cookie beside it, the check still applies.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from notification_center.api.origins import host_authority, parse_origin

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_SITES = frozenset({b"same-origin", b"none"})


class CrossSiteGuard:
    def __init__(self, app: ASGIApp, trusted_origins: Iterable[str] = (), session_cookie: str = "nc_session") -> None:
        self.app = app
        self.trusted_origins = frozenset(origin.lower().rstrip("/").encode() for origin in trusted_origins)
        self.session_cookie = session_cookie

    def _own_origin(self, origin: bytes, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        """Whether `origin` is the one this request addressed (scheme and host[:port])."""
        parsed = parse_origin(origin.decode("latin-1"))
        if parsed is None:  # "null" (sandboxed frames, file://) and garbage
            return False
        scheme = scope.get("scheme", "http")
        host = headers.get(b"host", b"").decode("latin-1")
        own = {(scheme, host)}
        forwarded_host = headers.get(b"x-forwarded-host", b"").decode("latin-1").split(",")[0].strip()
        forwarded_proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").split(",")[0].strip().lower()
        if forwarded_host or forwarded_proto:
            own.add((forwarded_proto or scheme, forwarded_host or host))
        return parsed in {(s, host_authority(h, s)) for s, h in own if h and s in ("http", "https")}

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        """Why this unsafe request is refused as cross-site, or None to let it through."""
        origin = headers.get(b"origin")
        if origin is not None and origin.lower().rstrip(b"/") in self.trusted_origins:
            return None
        site = headers.get(b"sec-fetch-site")
        if site is not None:
            return None if site in ALLOWED_SITES else "cross-site requests are not allowed"
        if origin is None or self._own_origin(origin, scope, headers):
            return None  # no Origin and no Fetch Metadata: not a browser
        return "cross-site requests are not allowed: the Origin header names another site"

    def _key_without_cookie(self, headers: dict[bytes, bytes]) -> bool:
        if not headers.get(b"authorization", b"").lower().startswith(b"bearer "):
            return False
        cookies = cookie_parser(headers.get(b"cookie", b"").decode("latin-1"))
        return self.session_cookie not in cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS and scope["path"].startswith("/api/"):
            headers = dict(scope["headers"])
            reason = self._refusal(scope, headers)
            if reason is not None and not self._key_without_cookie(headers):
                drained = await _drain_body(receive)
                # An unread body left on a kept-alive connection would be read as the next
                # request; when it is too large to read, the connection ends with this answer.
                extra = {} if drained else {"Connection": "close"}
                response = JSONResponse({"error": reason}, status_code=403, headers=extra)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _drain_body(receive: Receive, limit: int = 64 * 1024) -> bool:
    """Read and drop the refused request's body, up to `limit` bytes: whether it all came."""
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return False
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return False
