"""/: the notification center: live list, unread and unseen badges, read state, the
Archived view, archive/delete and bulk actions with undo, alert settings."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components import layout
from notification_center.components.connection_status import connection_status
from notification_center.components.inbox_stream import inbox_stream
from notification_center.components.layout import testid
from notification_center.components.notification_item import notification_item
from notification_center.components.page_visibility import page_visibility
from notification_center.components.undo_toast import undo_toast
from notification_center.state.auth_state import AuthState, sign_out_everywhere
from notification_center.state.notifications_state import NotificationsState


def _page_visibility() -> rx.Component:
    # Visible: the list on screen counts as seen (NotificationsState.set_page_visible).
    return rx.cond(AuthState.signed_in, page_visibility(on_visibility_change=NotificationsState.set_page_visible))


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


def _toolbar(own_sign_out: bool = True) -> rx.Component:
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
            rx.badge(
                rx.icon("sparkles", size=12),
                NotificationsState.unseen_count.to_string() + " new",
                color_scheme=rx.cond(NotificationsState.unseen_count > 0, "orange", "gray"),
                variant="soft",
                radius="full",
                size="2",
                aria_label=NotificationsState.unseen_count.to_string() + " not seen yet",
                title="Not seen yet",
                **testid("unseen-count", **{"data-count": NotificationsState.unseen_count.to_string()}),
            ),
            rx.cond(NotificationsState.view_archived, rx.badge("Archived", variant="outline", size="2")),
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
            _view_actions(),
            _sign_out_everywhere() if own_sign_out else rx.fragment(),
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


def _sign_out_everywhere() -> rx.Component:
    return rx.tooltip(
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
    )


def _tab(slug: rx.Var | str, label: rx.Var | str, unread: rx.Var, test_slug: rx.Var | str) -> rx.Component:
    selected = NotificationsState.category == slug
    return rx.button(
        label,
        rx.cond(
            unread > 0,
            rx.badge(unread, variant="solid", radius="full", size="1", custom_attrs={"data-testid": "category-count"}),
        ),
        size="1",
        variant=rx.cond(selected, "solid", "soft"),
        color_scheme=rx.cond(selected, "accent", "gray"),
        on_click=NotificationsState.select_category(slug),
        aria_pressed=rx.cond(selected, "true", "false"),
        custom_attrs={"data-testid": f"category-tab-{test_slug}", "data-selected": rx.cond(selected, "true", "false")},
    )


def _category_tabs() -> rx.Component:
    """One tab per category with its unread count, and "All"."""
    return rx.flex(
        _tab("", "All", NotificationsState.unread_count, "all"),
        rx.foreach(NotificationsState.category_tabs, lambda tab: _tab(tab.slug, tab.name, tab.unread, tab.slug)),
        spacing="2",
        wrap="wrap",
        role="toolbar",
        aria_label="Categories",
        margin_bottom="0.75rem",
        **testid("category-tabs"),
    )


def _view_actions() -> rx.Component:
    """The bulk actions; each acts on the view shown (inbox or Archived), with undo."""
    archived = NotificationsState.view_archived
    return rx.flex(
        rx.button(
            rx.icon("check-check", size=16),
            "Mark all read",
            size="2",
            variant="soft",
            # The badge counts the inbox; the Archived view may hold unread rows regardless.
            disabled=rx.cond(archived, _shown_count() == 0, NotificationsState.unread_count == 0),
            on_click=NotificationsState.mark_all_read,
            **testid("mark-all-read"),
        ),
        rx.cond(
            ~archived,
            rx.button(
                rx.icon("archive", size=16),
                "Archive all read",
                size="2",
                variant="soft",
                color_scheme="gray",
                disabled=_shown_count() == 0,
                on_click=NotificationsState.archive_all_read,
                **testid("archive-all-read"),
            ),
        ),
        rx.button(
            rx.icon("trash-2", size=16),
            "Delete all",
            size="2",
            variant="soft",
            color_scheme="red",
            disabled=_shown_count() == 0,
            on_click=NotificationsState.delete_all,
            **testid("delete-all"),
        ),
        rx.button(
            rx.cond(archived, rx.icon("inbox", size=16), rx.icon("archive", size=16)),
            rx.cond(archived, "Back to inbox", "Archived"),
            size="2",
            variant=rx.cond(archived, "solid", "outline"),
            aria_pressed=rx.cond(archived, "true", "false"),
            on_click=NotificationsState.toggle_archived_view,
            **testid("view-archived", **{"data-active": rx.cond(archived, "true", "false")}),
        ),
        align="center",
        spacing="2",
        wrap="wrap",
    )


def _empty_state() -> rx.Component:
    return rx.flex(
        rx.cond(
            NotificationsState.view_archived,
            rx.icon("archive", size=36, color="var(--gray-9)"),
            rx.icon("bell-off", size=36, color="var(--gray-9)"),
        ),
        rx.text(rx.cond(NotificationsState.view_archived, "Nothing archived", "No notifications yet"), weight="medium"),
        rx.text(
            rx.cond(
                NotificationsState.view_archived,
                "Archived notifications appear here.",
                "New ones appear here as they arrive.",
            ),
            size="2",
            color="var(--gray-11)",
        ),
        direction="column",
        align="center",
        spacing="2",
        padding="3rem 1rem",
        border="1px dashed var(--gray-a6)",
        border_radius="var(--radius-3)",
        **testid("empty-state"),
    )


def _shown_count() -> rx.Var:
    """How many rows the view shown lists."""
    return rx.cond(
        NotificationsState.view_archived,
        NotificationsState.archived_items.length(),
        NotificationsState.items.length(),
    )


def _list() -> rx.Component:
    archived = NotificationsState.view_archived
    return rx.cond(
        NotificationsState.loaded,
        rx.flex(
            rx.cond(
                NotificationsState.newer_hidden & ~archived,
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
                rx.cond(
                    archived,
                    rx.foreach(NotificationsState.archived_items, notification_item),
                    rx.foreach(NotificationsState.items, notification_item),
                ),
                rx.cond(_shown_count() == 0, _empty_state()),
                direction="column",
                spacing="2",
                role="list",
                aria_label="Notifications",
                **testid("notification-list"),
            ),
            rx.cond(
                archived & NotificationsState.archived_more,
                rx.text(
                    "Showing the newest 100 archived notifications.",
                    size="2",
                    color="var(--gray-11)",
                    align="center",
                ),
            ),
            rx.cond(
                NotificationsState.has_more & ~archived,
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
    return layout.page(
        _page_visibility(),
        _toolbar(),
        rx.cond(~NotificationsState.view_archived, _category_tabs()),  # the inbox's categories
        _list(),
        undo_toast(),
        header_extra=(connection_status(),),
    )


def notification_center_page(with_stream: bool = True) -> rx.Component:
    """The full inbox for a page of a host app, inside the host's own layout: toolbar, badges,
    category tabs, the list and undo (signing out is the host's). Its `on_load` is
    `BellState.on_inbox_load`; `with_stream=False` when the page's header has a bell with
    its stream already."""
    return rx.box(
        inbox_stream() if with_stream else rx.fragment(),
        _page_visibility(),
        _toolbar(own_sign_out=False),
        rx.cond(~NotificationsState.view_archived, _category_tabs()),
        _list(),
        undo_toast(),
        style=styles.page_style,
    )
