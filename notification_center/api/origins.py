"""Which browser origins may open Reflex's websocket (`/_event`).

A websocket is not covered by CORS: any page may open one to any host, and the browser
sends the site's cookies along (SameSite=Lax lets them through from a sibling subdomain).
The handshake's `Origin` header is the only thing that tells a page of this app from
another site's page, so Reflex's event socket accepts it only from this app's own origin
or from the origins listed in `NC_CORS_ORIGINS`.

"Own origin" is the origin the browser addressed: the `Host` header, or the
`X-Forwarded-Host` a reverse proxy sets. Both may be trusted here, because a browser page
can set neither on a websocket handshake; a client that can forge them is not a browser
and could leave `Origin` out altogether (such clients are let through: the check guards
browsers, and the session cookie still has to be valid). The scheme is not compared, so
TLS may end at a proxy; an `http://` page on the very same host and port is the same
server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from socketio import AsyncServer

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def host_authority(host: str, scheme: str) -> str:
    """`host[:port]` lower-cased, with the scheme's default port left out."""
    host = host.strip().lower()
    default = f":{DEFAULT_PORTS[scheme]}"
    return host[: -len(default)] if host.endswith(default) else host


def parse_origin(origin: str) -> tuple[str, str] | None:
    """(scheme, `host[:port]`) of an Origin header value, or None when it is not an http(s) origin."""
    try:
        parsed = urlsplit(origin.strip())
        parsed.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return parsed.scheme, host_authority(parsed.netloc, parsed.scheme)


class OriginPolicy:
    """Own origin (from the request's host headers) plus a fixed list of extra origins."""

    def __init__(self, extra_origins: Iterable[str] = ()) -> None:
        self.extra = frozenset(origin.lower().rstrip("/") for origin in extra_origins)

    def allows(self, origin: str | None, host: str | None, forwarded_host: str | None = None) -> bool:
        """Whether a browser on `origin` may talk to this server addressed as `host`."""
        if origin is None:
            return True  # not a browser: nothing to protect against (see the module docstring)
        if origin.lower().rstrip("/") in self.extra:
            return True
        parsed = parse_origin(origin)
        if parsed is None:  # "null" (sandboxed frames, file://) and garbage
            return False
        scheme, authority = parsed
        hosts = (host, (forwarded_host or "").split(",")[0])
        return authority in {host_authority(h, scheme) for h in hosts if h and h.strip()}

    def allows_environ(self, origin: str | None, environ: Mapping[str, str]) -> bool:
        """The same check for engine.io's WSGI-style environ."""
        return self.allows(origin, environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_HOST"))


def restrict_socket_origins(sio: AsyncServer | None, policy: OriginPolicy) -> None:
    """Make Reflex's Socket.IO server refuse handshakes from origins `policy` does not allow.

    Reflex builds its AsyncServer with `cors_allowed_origins` taken from its config, which
    either allows everything ("*", its default), nothing is checked ([]), or only the
    listed origins and never the app's own. engine.io also accepts a callable that decides
    per handshake, which is what lets "own origin" follow the Host header (any proxy, any
    public URL) without configuration. A refused websocket handshake is closed before it is
    accepted (HTTP 403); a refused polling request gets 400.
    """
    if sio is None:
        raise RuntimeError("the Reflex app has no Socket.IO server (state disabled?)")
    sio.eio.cors_allowed_origins = policy.allows_environ
