"""/: the notification center: live list, unread badge, read state, alert settings."""

from __future__ import annotations

import reflex as rx

from notification_center.components import layout
from notification_center.components.connection_status import connection_status
from notification_center.components.layout import testid
from notification_center.components.notification_item import notification_item
from notification_center.state.auth_state import sign_out_everywhere
from notification_center.state.notifications_state import NotificationsState


def _setting(label: str, icon: str, checked: rx.Var, on_change, hint: str, test_id: str) -> rx.Component:
    return rx.tooltip(
        rx.text(
            rx.flex(
                rx.switch(checked=checked, on_change=on_change, size="1", **testid(test_id)),
                rx.icon(icon, size=14),
                label,
                align="center",
                spacing="1",
            ),
            as_="label",
            size="1",
            color="var(--gray-11)",
        ),
        content=hint,
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading("Notifications", size="4", as_="h2"),
            rx.badge(
                NotificationsState.unread_count,
                color_scheme=rx.cond(NotificationsState.unread_count > 0, "red", "gray"),
                variant="solid",
                radius="full",
                size="2",
                aria_label=NotificationsState.unread_count.to_string() + " unread",
                title="Unread notifications",
                **testid("unread-count"),
            ),
            align="center",
            spacing="2",
        ),
        rx.flex(
            _setting(
                "Sound",
                "volume-2",
                NotificationsState.sound_on == "1",
                NotificationsState.set_sound,
                "Play a short sound when a notification arrives",
                "sound-toggle",
            ),
            _setting(
                "Desktop",
                "monitor",
                NotificationsState.desktop_on == "1",
                NotificationsState.set_desktop,
                "Also show a desktop notification while this tab is in the background",
                "desktop-toggle",
            ),
            rx.button(
                rx.icon("check-check", size=16),
                "Mark all read",
                size="2",
                variant="soft",
                disabled=NotificationsState.unread_count == 0,
                on_click=NotificationsState.mark_all_read,
                **testid("mark-all-read"),
            ),
            rx.tooltip(
                rx.button(
                    rx.icon("log-out", size=16),
                    "Sign out everywhere",
                    size="2",
                    variant="soft",
                    color_scheme="gray",
                    on_click=sign_out_everywhere(),
                    **testid("logout-all-button"),
                ),
                content="End every session of this account, on every device",
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="3",
        margin_bottom="0.75rem",
    )


def _empty_state() -> rx.Component:
    return rx.flex(
        rx.icon("bell-off", size=36, color="var(--gray-9)"),
        rx.text("No notifications yet", weight="medium"),
        rx.text("New ones appear here as they arrive.", size="2", color="var(--gray-11)"),
        direction="column",
        align="center",
        spacing="2",
        padding="3rem 1rem",
        border="1px dashed var(--gray-a6)",
        border_radius="var(--radius-3)",
        **testid("empty-state"),
    )


def _list() -> rx.Component:
    return rx.cond(
        NotificationsState.loaded,
        rx.flex(
            rx.cond(
                NotificationsState.newer_hidden,
                rx.button(
                    rx.icon("arrow-up", size=16),
                    "Show newest",
                    variant="outline",
                    size="2",
                    on_click=NotificationsState.show_newest,
                    align_self="center",
                    **testid("show-newest"),
                ),
            ),
            # The empty state sits inside the list so the list itself is always visible.
            rx.flex(
                rx.foreach(NotificationsState.items, notification_item),
                rx.cond(NotificationsState.items.length() == 0, _empty_state()),
                direction="column",
                spacing="2",
                role="list",
                aria_label="Notifications",
                **testid("notification-list"),
            ),
            rx.cond(
                NotificationsState.has_more,
                rx.button(
                    "Load more",
                    variant="outline",
                    size="2",
                    loading=NotificationsState.loading_more,
                    on_click=NotificationsState.load_more,
                    align_self="center",
                    **testid("load-more"),
                ),
            ),
            direction="column",
            spacing="3",
        ),
        rx.center(rx.spinner(size="3"), padding="3rem"),
    )


def index_page() -> rx.Component:
    # The page's stream comes with the bell in the header (layout.page).
    return layout.page(_toolbar(), _list(), header_extra=(connection_status(),))
