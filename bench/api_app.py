"""The app's HTTP API with its per-worker real-time lifespan, as a granian factory.

`notification_center.api:build_api()` (what tests/support/api_server.py serves) has no
lifespan: in the full app Reflex runs `realtime_lifespan` through `register_lifespan_task`.
Without it the Redis transport would never subscribe, so scenario C could not work. We
add the same lifespan here; for the in-memory transport it is a no-op. This serves the
exact routes of the app without building the Reflex frontend (which takes minutes).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette

from notification_center.api import build_api
from notification_center.lifespan import realtime_lifespan


def build() -> Starlette:
    app = build_api()
    inner = app.router.lifespan_context  # keep whatever lifespan build_api() may gain

    @contextlib.asynccontextmanager
    async def lifespan(scope_app: Any) -> AsyncIterator[Any]:
        async with inner(scope_app) as state, realtime_lifespan():
            yield state

    app.router.lifespan_context = lifespan
    return app
