"""Security headers on every HTTP response: API, stream, and Reflex's built pages.

The headers come from the `secure` library (its ASGI middleware); this module only
decides their values. It is installed in the API app, which Reflex's `api_transformer`
wraps around everything it serves, including the static frontend build in single-port
production mode, so one middleware covers pages and API alike.

The Content-Security-Policy allows scripts from this origin only, plus the inline scripts
that Reflex's prerendered pages carry (React Router's hydration context, the theme and
scroll restorers), each by its SHA-256. Those hashes are read from the built HTML files on
the first request, so a rebuilt frontend needs no configuration; no other inline script
runs. `eval` stays allowed because Reflex executes `rx.call_script` events with it. Styles
need 'unsafe-inline' (Emotion and Radix set them at run time); they cannot run code.
Framing is refused both ways (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from secure import (
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware import SecureASGIMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger(__name__)

HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600


class _InlineScripts(HTMLParser):
    """Collects the text of every `<script>` without a `src` attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_script_hashes(html_files: Iterable[Path]) -> list[str]:
    """CSP source expressions ('sha256-...') for the inline scripts of these pages, sorted."""
    hashes: set[str] = set()
    for path in html_files:
        parser = _InlineScripts()
        # newline="": the hash is over the exact bytes the browser sees.
        with path.open(encoding="utf-8", newline="") as handle:
            parser.feed(handle.read())
        for script in parser.scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
            hashes.add(f"'sha256-{digest}'")
    return sorted(hashes)


def content_security_policy(script_hashes: Iterable[str]) -> ContentSecurityPolicy:
    return (
        ContentSecurityPolicy()
        .default_src("'self'")
        # 'unsafe-eval': Reflex runs `rx.call_script` events (sign-in, sign-out, alerts, the
        # stream's controls) through eval(). Their text comes from the server over the
        # origin-checked event socket; injected markup still cannot run inline scripts.
        .script_src("'self'", "'unsafe-eval'", *script_hashes)
        .style_src("'self'", "'unsafe-inline'")
        .img_src("'self'", "data:")
        .font_src("'self'", "data:")
        # 'self' covers the same origin's ws:/wss: (the event socket) as well.
        .connect_src("'self'")
        # The Web Push service worker, /sw.js, and nothing from elsewhere.
        .worker_src("'self'")
        .object_src("'none'")
        .base_uri("'self'")
        .form_action("'self'")
        .frame_ancestors("'none'")
    )


def security_headers(script_hashes: Iterable[str], hsts: bool) -> Secure:
    """The header set; HSTS only when the app is served over HTTPS (NC_COOKIE_SECURE)."""
    return Secure(
        csp=content_security_policy(script_hashes),
        xfo=XFrameOptions().deny(),
        xcto=XContentTypeOptions().nosniff(),
        referrer=ReferrerPolicy().strict_origin_when_cross_origin(),
        hsts=StrictTransportSecurity().max_age(HSTS_MAX_AGE_SECONDS) if hsts else None,
    )


def built_frontend_dir() -> Path:
    """Where Reflex's production build puts the pages it serves (follows REFLEX_WEB_WORKDIR)."""
    from reflex import constants
    from reflex.utils import prerequisites

    return prerequisites.get_web_dir() / constants.Dirs.STATIC


class SecurityHeadersMiddleware:
    """`secure`'s ASGI middleware, configured on the first request.

    The app module is imported before the production build exists (Reflex compiles, then
    builds, then serves), so the inline-script hashes are read when serving starts.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool, frontend_dir: Path | None = None) -> None:
        self.app = app
        self.hsts = hsts
        self.frontend_dir = frontend_dir
        self._secured: SecureASGIMiddleware | None = None

    def _build(self) -> SecureASGIMiddleware:
        frontend_dir = self.frontend_dir or built_frontend_dir()
        pages = sorted(frontend_dir.rglob("*.html")) if frontend_dir.is_dir() else []
        if not pages:
            logger.warning("no built pages under %s: the CSP allows no inline scripts", frontend_dir)
        return SecureASGIMiddleware(self.app, secure=security_headers(inline_script_hashes(pages), self.hsts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._secured is None:
            self._secured = self._build()
        await self._secured(scope, receive, send)
