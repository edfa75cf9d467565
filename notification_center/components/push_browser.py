"""This browser's Web Push status (web/push_browser.js): registers the service worker
and reports `{"supported", "permission", "endpoint"}`; renders nothing.

    push_browser(on_status=PushState.browser_status)

The JS also defines `window.ncPush.enable()` / `.forget(endpoint)`, which the preferences
page's buttons run (state/push_state.py).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import passthrough_event_spec
from reflex_base.components.component import field

from notification_center import web


class PushBrowser(rx.Component):
    library = web.library("push_browser.js")
    tag = "PushBrowser"

    on_status: rx.EventHandler[passthrough_event_spec(dict)] = field(
        doc='{"supported": bool, "permission": str, "endpoint": str}: on mount and on every change.'
    )


def push_browser(**props: Any) -> rx.Component:
    return PushBrowser.create(**props)
