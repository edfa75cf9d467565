"""A Reflex build plugin: the built pages reach the backend at the origin they were loaded from.

Reflex bakes `api_url` (by default `http://localhost:PORT`) into the frontend build
(`env.json`, bundled as the `reflex-env-*.js` chunk). In the browser it swaps only the host
name, and over plain HTTP keeps the baked port, so behind a reverse proxy on another port or
origin the page opened its websocket around the proxy, or not at all. Since this app serves
pages and backend on one port, the right backend is always the page's own origin: after the
production build, this plugin rewrites each baked URL into an expression on
`window.location.origin`. One build then works at any origin, behind any proxy, with no
rebuild.

An explicit public `api_url` (`REFLEX_API_URL=https://...` for a backend on another host)
is left as it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import reflex as rx

# Reflex's getBackendURL treats these host names as "the page's own host".
SAME_HOST_NAMES = frozenset({"localhost", "0.0.0.0", "::", "0:0:0:0:0:0:0:0"})
ENV_CHUNK_GLOB = "assets/reflex-env-*.js"


def is_same_host_api_url(api_url: str) -> bool:
    """Whether `api_url` is Reflex's placeholder for "this host" rather than a public URL."""
    return (urlsplit(api_url).hostname or "") in SAME_HOST_NAMES


def same_origin_env_module(source: str, api_url: str) -> tuple[str, int]:
    """Rewrite the backend URLs baked into the env chunk; returns (new source, count).

    `"ws://localhost:3000/_event"` becomes
    `(window.location.origin.replace(/^http/,"ws")+"/_event")`, `http://...` URLs become
    `(window.location.origin+"/path")`. Only complete string literals (any JS quote) that
    start with `api_url`'s host and port are touched.
    """
    netloc = urlsplit(api_url).netloc
    literal = re.compile(r"([\"'`])(https?|wss?)://" + re.escape(netloc) + r"(/[^\"'`\\$]*)?\1")

    def replace(match: re.Match[str]) -> str:
        scheme, path = match.group(2), match.group(3) or ""
        origin = "window.location.origin"
        if scheme.startswith("ws"):
            origin += '.replace(/^http/,"ws")'
        return f"({origin}+{json.dumps(path)})"

    return literal.subn(replace, source)


class SameOriginBackendPlugin(rx.plugins.Plugin):
    """Runs `same_origin_env_module` on the production build (Reflex's post_build hook)."""

    def post_build(self, **context: Any) -> None:
        api_url = rx.config.get_config().api_url
        if not is_same_host_api_url(api_url):
            return
        static_dir: Path = context["static_dir"]
        chunks = sorted(static_dir.glob(ENV_CHUNK_GLOB))
        rewritten = 0
        for chunk in chunks:
            source, count = same_origin_env_module(chunk.read_text(encoding="utf-8"), api_url)
            chunk.write_text(source, encoding="utf-8")
            rewritten += count
        if not rewritten:
            # Fail the build rather than ship pages that bypass the proxy (a Reflex upgrade
            # that renames the chunk lands here).
            raise RuntimeError(f"no backend URL of {api_url} found in {static_dir}/{ENV_CHUNK_GLOB}")
