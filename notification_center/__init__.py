"""Notification Center: real-time notifications for Reflex apps (SSE or WebSocket, SQL, Redis).

The public surface, for a Reflex app of your own (README "Add it to your Reflex app"):

    import notification_center as nc

    app = nc.install(rx.App(), identify=who_is_signed_in)     # routes, lifespan, event guard
    nc.notification_bell()                                     # in your header
    app.add_page(page, on_load=nc.on_page_load)                # pages that show the bell
    await nc.notify("host-user-42", nc.Draft(title="Hello"))   # from your backend code
    await nc.sign_out("host-user-42")                          # when they sign out of your app

Importing this package does nothing else: each name loads its module on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "install": ("notification_center.mount", "install"),
    "HostUser": ("notification_center.host", "HostUser"),
    "notify": ("notification_center.host", "notify"),
    "sign_out": ("notification_center.host", "sign_out"),
    "user_token": ("notification_center.host", "user_token"),
    "Draft": ("notification_center.notifications.service", "Draft"),
    "notification_bell": ("notification_center.components.bell", "notification_bell"),
    "on_page_load": ("notification_center.state.bell_state", "BellState.on_page_load"),
    "notification_center_page": ("notification_center.pages.index", "notification_center_page"),
    "on_inbox_load": ("notification_center.state.bell_state", "BellState.on_inbox_load"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'notification_center' has no attribute {name!r}")
    module_name, attribute = _EXPORTS[name]
    value: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value
