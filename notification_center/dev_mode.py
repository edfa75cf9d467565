"""`reflex run` in dev mode: the frontend (Vite, with hot reload) and the backend on two ports.

Pages, their scripts and the stream reach the API at their own origin (`/api/...`, `/sw.js`),
as in production, where one port serves both. In dev mode the page's origin is the Vite
server, so `DevProxyPlugin` makes Vite pass those paths (websocket upgrades included) to the
backend, Host header and all: the session cookie, the Origin checks and the stream behave as
in production. Reflex's own event socket goes straight to the backend's port, so the dev
frontend's origin is trusted there (`dev_frontend_origins`). Production builds ignore both.
"""

from __future__ import annotations

import json
import re
from typing import Any

import reflex as rx
from reflex_base import constants
from reflex_base.environment import environment

# Paths the backend answers that pages address at their own origin.
PROXIED = ("/api", "/sw.js")
VITE_CONFIG = "vite.config.js"
_SERVER_BLOCK = re.compile(r"\n  server: \{\n")
_MARK = "// notification-center: dev proxy"


def is_dev() -> bool:
    return environment.REFLEX_ENV_MODE.get() == constants.Env.DEV


def dev_frontend_origins() -> tuple[str, ...]:
    """The Vite server's origins in dev mode (none in production)."""
    if not is_dev():
        return ()
    port = rx.config.get_config().frontend_port or 3000
    return (f"http://localhost:{port}", f"http://127.0.0.1:{port}")


def with_dev_proxy(vite_config: str, backend_url: str) -> str:
    """`vite_config` with a `server.proxy` for PROXIED to `backend_url` (idempotent)."""
    if _MARK in vite_config:
        return vite_config
    entries = {path: {"target": backend_url, "ws": True, "changeOrigin": False} for path in PROXIED}
    proxy = f"\n  server: {{\n    {_MARK}\n    proxy: {json.dumps(entries)},\n"
    patched, count = _SERVER_BLOCK.subn(proxy, vite_config, count=1)
    if count != 1:  # a Reflex upgrade changed its template: fail loudly, not silently
        raise RuntimeError(f"no `server: {{` block found in {VITE_CONFIG} to add the dev proxy to")
    return patched


class DevProxyPlugin(rx.plugins.Plugin):
    """Adds the dev proxy to the Vite config on every compile (`install` registers it)."""

    def pre_compile(self, **context: Any) -> None:
        backend = f"http://127.0.0.1:{rx.config.get_config().backend_port or 8000}"
        context["add_modify_task"](VITE_CONFIG, lambda source: with_dev_proxy(source, backend))
