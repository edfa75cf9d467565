"""The bell: an unseen badge and a popover inbox, for the header of any Reflex page.

    from notification_center.components.bell import notification_bell, tab_title

    def my_page() -> rx.Component:
        return rx.flex(rx.heading("My app"), notification_bell(), justify="between")

    app.add_page(my_page, route="/mine", title=tab_title("My app"))

It shows NotificationsState's list (newest first, "load more", mark read, mark all read)
and places the browser's shared stream itself (`with_stream=False` for a page that already
has one). Opening it marks what it shows seen in every tab (the `seen` event).
Keyboard: Tab reaches the bell, Enter or Space opens it, arrow keys (and Home/End) move
between items, Escape closes it and gives focus back to the bell (Radix Popover). New
notifications are announced through an `aria-live="polite"` region.
"""

from __future__ import annotations

import reflex as rx

from notification_center import web
from notification_center.components.bell_item import bell_item
from notification_center.components.inbox_stream import inbox_stream
from notification_center.components.push_browser import push_browser
from notification_center.components.testids import testid
from notification_center.state.bell_state import BellState
from notification_center.state.notifications_state import NotificationsState
from notification_center.state.push_state import ROUTE as PREFERENCES_ROUTE
from notification_center.state.push_state import PushState

INBOX_ROUTE = "/"
# Fits a 360 px wide phone with 8 px to spare on each side.
PANEL_WIDTH = "min(24rem, calc(100vw - 16px))"

_visually_hidden = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "margin": "-1px",
    "padding": "0",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
    "border": "0",
}


class BellKeyNav(rx.Component):
    """`web/bell_keys.js`: arrow keys move focus between the items inside it."""

    library = web.library("bell_keys.js")
    tag = "BellKeyNav"


def tab_title(base: str) -> rx.Var:
    """A page title that leads with the unseen count, e.g. "(3) Notifications"; pass it
    as `title=` to `app.add_page` (it updates live)."""
    count = NotificationsState.unseen_count
    return rx.cond(count > 0, "(" + count.to_string() + ") " + base, base)


def _badge() -> rx.Component:
    count = NotificationsState.unseen_count
    return rx.box(
        rx.cond(count > 99, "99+", count.to_string()),
        position="absolute",
        top="-6px",
        right="-6px",
        min_width="18px",
        height="18px",
        padding="0 5px",
        border_radius="9px",
        background="var(--red-9)",
        color="white",
        font_size="11px",
        font_weight="bold",
        line_height="18px",
        text_align="center",
        pointer_events="none",
        display=rx.cond(count > 0, "block", "none"),
        aria_hidden="true",
        # The exact count, also when the badge is hidden (0) or shows "99+".
        **testid("bell-badge", **{"data-count": count.to_string()}),
    )


def _button() -> rx.Component:
    count = NotificationsState.unseen_count
    return rx.icon_button(
        rx.icon("bell", size=18),
        _badge(),
        variant="ghost",
        size="2",
        color_scheme="gray",
        position="relative",
        aria_label=rx.cond(count > 0, "Notifications, " + count.to_string() + " new", "Notifications"),
        **testid("bell-button"),
    )


def _panel_header() -> rx.Component:
    return rx.flex(
        rx.heading("Notifications", size="3", as_="h2"),
        rx.flex(
            rx.button(
                rx.icon("check-check", size=14),
                "Mark all read",
                size="1",
                variant="ghost",
                disabled=NotificationsState.unread_count == 0,
                on_click=NotificationsState.mark_all_read,
                **testid("bell-mark-all-read"),
            ),
            rx.popover.close(
                rx.icon_button(
                    rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray", aria_label="Close"
                )
            ),
            align="center",
            spacing="3",
        ),
        justify="between",
        align="center",
        padding="0.75rem 0.75rem 0.5rem",
        border_bottom="1px solid var(--gray-a5)",
    )


def _empty() -> rx.Component:
    return rx.flex(
        rx.icon("bell-off", size=24, color="var(--gray-9)"),
        rx.text("No notifications yet", size="2", color="var(--gray-11)"),
        direction="column",
        align="center",
        spacing="2",
        padding="2rem 1rem",
        **testid("bell-empty"),
    )


def _list() -> rx.Component:
    return rx.box(
        rx.cond(
            NotificationsState.loaded,
            rx.flex(
                rx.flex(
                    rx.foreach(NotificationsState.items, bell_item),
                    direction="column",
                    spacing="1",
                    role="list",
                    aria_label="Notifications",
                    **testid("bell-list"),
                ),
                rx.cond(NotificationsState.items.length() == 0, _empty()),
                rx.cond(
                    NotificationsState.has_more,
                    rx.button(
                        "Load more",
                        variant="outline",
                        size="1",
                        loading=NotificationsState.loading_more,
                        on_click=NotificationsState.load_more,
                        align_self="center",
                        margin="0.5rem",
                        **testid("bell-load-more"),
                    ),
                ),
                direction="column",
            ),
            rx.center(rx.spinner(size="2"), padding="2rem"),
        ),
        max_height="min(60vh, 28rem)",
        overflow_y="auto",
        padding="0.25rem",
    )


def _push_hint() -> rx.Component:
    """Shown while this browser blocks notifications: no push can reach it."""
    return rx.cond(
        PushState.push_permission == "denied",
        rx.text(
            rx.icon("bell-off", size=12),
            " Push is blocked in this browser: allow notifications for this site in its settings"
            " to get them when no tab is open (",
            rx.link("preferences", href=PREFERENCES_ROUTE),
            ").",
            size="1",
            color="var(--gray-11)",
            padding="0.25rem 0.75rem",
            **testid("bell-push-hint"),
        ),
    )


def _footer(inbox_href: str | None) -> rx.Component:
    return rx.flex(
        _push_hint(),
        rx.link("Open the full inbox", href=inbox_href, size="2", **testid("bell-open-inbox"))
        if inbox_href
        else rx.fragment(),
        direction="column",
        align="center",
        padding="0.5rem",
        border_top="1px solid var(--gray-a5)",
    )


def _panel(inbox_href: str | None) -> rx.Component:
    return rx.popover.content(
        BellKeyNav.create(
            rx.flex(_panel_header(), _list(), _footer(inbox_href), direction="column"),
        ),
        align="end",
        side="bottom",
        side_offset=8,
        collision_padding=8,
        width=PANEL_WIDTH,
        max_width=PANEL_WIDTH,
        padding="0",
        aria_label="Notifications",
        **testid("bell-panel"),
    )


def live_region() -> rx.Component:
    """Announces new notifications to screen readers (politely: after what they say now)."""
    return rx.box(
        NotificationsState.announcement,
        role="status",
        aria_live="polite",
        aria_atomic="true",
        style=_visually_hidden,
        **testid("bell-live"),
    )


def notification_bell(with_stream: bool = True, inbox_href: str | None = INBOX_ROUTE) -> rx.Component:
    """The bell with its popover inbox (and, unless told otherwise, the page's stream).
    `inbox_href`: where "Open the full inbox" goes (None: no such link, e.g. in a host app
    without this product's pages)."""
    return rx.fragment(
        inbox_stream() if with_stream else rx.fragment(),
        push_browser(on_status=PushState.browser_status),
        rx.popover.root(
            rx.popover.trigger(_button()),
            _panel(inbox_href),
            on_open_change=BellState.opened,
        ),
        live_region(),
    )
