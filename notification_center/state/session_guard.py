"""Hydrate only what a live session may see.

A Reflex tab's state lives on the server under the tab's token and is sent whole on every
hydrate (each page load and websocket reconnect), before any on_load handler runs. If the
tab's session ended meanwhile (signed out in another tab, revoked, expired, cookie
cleared), that snapshot would still carry the previous user's notifications. This
middleware checks the session first on every hydrate and clears the user's states when
there is none, so the snapshot holds nothing of anybody.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import reflex as rx
from reflex.middleware import Middleware
from reflex_base.constants import CompileVars
from reflex_base.utils.format import format_event_handler

from notification_center.state.auth_state import AuthState


@lru_cache(maxsize=1)
def _hydrate_events() -> frozenset[str]:
    handlers = rx.State.event_handlers
    return frozenset(
        format_event_handler(handlers[name])
        for name in (CompileVars.HYDRATE, CompileVars.HYDRATE_AND_LOAD)
        if name in handlers
    )


class SessionGuard(Middleware):
    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        """Before a hydrate: resolve the user now; no live session clears the states."""
        if event.name in _hydrate_events():
            auth = await state.get_state(AuthState)
            await auth.current_user()
        return None
