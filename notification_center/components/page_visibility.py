"""A component that reports whether the page is visible (web/page_visibility.js).

    page_visibility(on_visibility_change=NotificationsState.set_page_visible)

Fires once on mount (`initial`), on every `visibilitychange`, and `visible: false` on
unmount; renders nothing.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import passthrough_event_spec
from reflex_base.components.component import field

from notification_center import web


class PageVisibility(rx.Component):
    library = web.library("page_visibility.js")
    tag = "PageVisibility"

    on_visibility_change: rx.EventHandler[passthrough_event_spec(dict)] = field(
        doc='{"visible": bool, "initial": bool}: on mount (initial), on every change, and not visible on unmount.'
    )


def page_visibility(**props: Any) -> rx.Component:
    return PageVisibility.create(**props)
