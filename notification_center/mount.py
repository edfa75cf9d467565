"""Mount the notification center into a Reflex app: `install(app, ...)`.

One call, no import-time work: the HTTP API (REST, SSE and WebSocket streams, `/sw.js`)
goes in as an api_transformer in front of the host's backend, the worker's real-time
machinery and scheduler as a lifespan task, the event socket's guard as the first
middleware, and the dev-mode proxy as a build plugin (dev_mode.py). This repository's own
app (notification_center.py) is `install(app, pages=True)`; a host app usually wants the
bell on its own pages instead, with its own users (`identify`, host.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import reflex as rx

from notification_center import host
from notification_center.api import build_api
from notification_center.api.origins import OriginPolicy, restrict_socket_origins
from notification_center.dev_mode import DevProxyPlugin, dev_frontend_origins
from notification_center.lifespan import realtime_lifespan
from notification_center.pages.routes import add_pages
from notification_center.settings import get_settings
from notification_center.state.session_guard import SessionGuard


def install(
    app: rx.App,
    *,
    pages: bool = False,
    identify: host.Identify | None = None,
    login_route: str | None = None,
    guard_every_handler: bool = False,
) -> rx.App:
    """Mount the notification center into `app` and return it.

    - `pages`: also add this product's own pages (`/` inbox, `/login`, `/preferences`,
      `/operator/...`): the standalone app. A host app places `notification_bell()` on
      its pages instead.
    - `identify(state) -> HostUser | None`: the host's signed-in user, read from the
      page's state; the bell's page load signs them in here (no second sign-in).
    - `login_route`: where this product sends signed-out visitors (default `/login`).
    - `guard_every_handler`: the event guard refuses every handler without an access rule
      (state/access.py), the host's too. Off, the host's own handlers keep the host's
      rules; this package's handlers always need theirs.
    """
    host.configure(identify=identify, login_route=login_route)
    existing = app.api_transformer
    transformers: list = [] if existing is None else list(existing) if isinstance(existing, Sequence) else [existing]
    # Last is outermost: these routes are matched before the host's own transformers.
    app.api_transformer = [*transformers, build_api()]
    app.register_lifespan_task(realtime_lifespan)
    app.add_middleware(SessionGuard(every_handler=guard_every_handler), index=0)  # before any hydrate snapshot is taken
    # The event socket is not covered by CORS: refuse other sites' pages at its handshake.
    # In dev mode (`reflex run`) the pages come from the Vite server's origin.
    restrict_socket_origins(app.sio, OriginPolicy([*get_settings().cors_origins, *dev_frontend_origins()]))
    plugins = rx.config.get_config().plugins
    if not any(isinstance(plugin, DevProxyPlugin) for plugin in plugins):
        plugins.append(DevProxyPlugin())  # dev mode: Vite passes /api and /sw.js to the backend
    if pages:
        add_pages(app)
    return app
