"""One notification in the list: type icon and colour, priority badge, relative time,
plain-text title and content, a "New" mark while unseen, and its controls: mark read,
archive (unarchive in the Archived view) and delete.

Title and content are rendered with `rx.text` (React escapes them), never as HTML or
Markdown: they are user-supplied plain text.
"""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components.layout import testid
from notification_center.components.snooze_menu import snooze_menu
from notification_center.components.type_look import type_color, type_icon
from notification_center.state.links import ActionView
from notification_center.state.notifications_state import NotificationsState, NotificationView


def priority_badge(priority: rx.Var) -> rx.Component:
    badges = [
        (name, rx.badge(name, color_scheme=color, variant="soft" if name == "low" else "solid", size="1"))
        for name, color in styles.PRIORITY_COLORS.items()
    ]
    return rx.match(priority, *badges, rx.fragment())


def relative_time(created_at: rx.Var) -> rx.Component:
    """ "3 minutes ago", kept fresh; the exact local time on hover."""
    return rx.moment(
        created_at,
        from_now=True,
        interval=30_000,
        with_title=True,
        title_format="YYYY-MM-DD HH:mm:ss",
        font_size="0.8rem",
        color="var(--gray-11)",
        white_space="nowrap",
    )


def _title(item: NotificationView) -> rx.Component:
    """Plain text; with a `url`, a link that opens it (a new tab for other sites) and marks
    the notification read. The URL was checked at send time (notifications/actions.py)."""
    text = rx.text(
        item.title,
        weight=rx.cond(item.read, "regular", "bold"),
        size="3",
        style=styles.plain_text_style,
        custom_attrs={"data-testid": "notification-title"},
    )
    return rx.cond(
        item.url != "",
        rx.link(
            text,
            href=item.url,
            is_external=item.url_external,
            rel="noopener noreferrer",
            on_click=NotificationsState.mark_read(item.id),
            custom_attrs={"data-testid": "notification-link"},
        ),
        text,
    )


def _action(item: NotificationView, action: ActionView) -> rx.Component:
    """One action button (`item-action-<id>`): records the choice; with a url, also opens it.
    Once one is chosen, both are disabled and the chosen one stays highlighted."""
    chosen = item.action_taken == action.id
    button = rx.button(
        rx.cond(chosen, rx.icon("check", size=14)),
        action.label,
        size="1",
        variant=rx.cond(chosen, "solid", "outline"),
        disabled=item.action_taken != "",
        on_click=NotificationsState.take_action(item.id, action.id),
        custom_attrs={"data-testid": f"item-action-{action.id}", "data-chosen": rx.cond(chosen, "true", "false")},
    )
    return rx.cond(
        (action.url != "") & (item.action_taken == ""),
        rx.link(button, href=action.url, is_external=action.url_external, rel="noopener noreferrer"),
        button,
    )


def _badges(item: NotificationView) -> rx.Component:
    return rx.fragment(
        priority_badge(item.priority),
        rx.cond(
            item.group_count > 1,
            rx.badge(
                rx.icon("layers", size=12),
                rx.text(item.group_count, custom_attrs={"data-testid": "group-count"}),
                color_scheme="gray",
                variant="surface",
                size="1",
                title=item.group_count.to_string() + " notifications grouped",
            ),
        ),
        rx.cond(
            item.category != "general",
            rx.badge(
                item.category,
                color_scheme="gray",
                variant="soft",
                size="1",
                custom_attrs={"data-testid": "item-category"},
            ),
        ),
    )


def _icon_control(icon: str, label: str, on_click, test_id: str, color_scheme: str = "gray") -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon(icon, size=16),
            size="1",
            variant="soft",
            color_scheme=color_scheme,
            on_click=on_click,
            aria_label=label,
            **testid(test_id),
        ),
        content=label,
    )


def notification_item(item: NotificationView) -> rx.Component:
    return rx.flex(
        rx.flex(
            type_icon(item.type),
            rx.cond(
                ~item.read,
                rx.box(width="8px", height="8px", border_radius="50%", background="var(--accent-9)", title="Unread"),
            ),
            direction="column",
            align="center",
            spacing="2",
            padding_top="2px",
            flex_shrink="0",
        ),
        rx.flex(
            rx.flex(
                _title(item),
                _badges(item),
                rx.cond(
                    ~item.seen,
                    rx.badge("New", color_scheme="orange", variant="surface", size="1", title="Not seen yet"),
                ),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                item.content != "",
                rx.text(
                    item.content,
                    size="2",
                    color="var(--gray-11)",
                    style=styles.plain_text_style,
                    custom_attrs={"data-testid": "notification-content"},
                ),
            ),
            rx.cond(
                item.actions.length() > 0,
                rx.flex(rx.foreach(item.actions, lambda action: _action(item, action)), spacing="2", wrap="wrap"),
            ),
            relative_time(item.created_at),
            direction="column",
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.flex(
            rx.button(
                rx.cond(item.read, rx.icon("check-check", size=16), rx.icon("check", size=16)),
                rx.text(rx.cond(item.read, "Read", "Mark read"), display=["none", "inline"]),
                size="1",
                variant=rx.cond(item.read, "ghost", "soft"),
                disabled=item.read,
                on_click=NotificationsState.mark_read(item.id),
                aria_label=rx.cond(item.read, "Read", "Mark as read"),
                **testid("mark-read"),
            ),
            rx.cond(
                NotificationsState.view_archived,
                _icon_control(
                    "archive-restore", "Move back to the inbox", NotificationsState.unarchive(item.id), "unarchive"
                ),
                _icon_control("archive", "Archive", NotificationsState.archive(item.id), "archive"),
            ),
            # Archived rows cannot be snoozed (they are out of the inbox already).
            rx.cond(NotificationsState.view_archived, rx.fragment(), snooze_menu(item)),
            _icon_control("trash-2", "Delete", NotificationsState.delete(item.id), "delete", color_scheme="red"),
            align="center",
            spacing="2",
            flex_shrink="0",
        ),
        spacing="3",
        align="start",
        width="100%",
        padding=["0.75rem", "0.9rem 1rem"],
        border_left_width="4px",
        border_left_style="solid",
        border_left_color=type_color(item.type, 9),
        border_radius="var(--radius-3)",
        background=rx.cond(item.read, "var(--gray-a2)", "var(--accent-a3)"),
        # Unseen rows stand out until the list has been looked at (a ring, beside the unread fill).
        box_shadow=rx.cond(item.seen, "none", "0 0 0 2px var(--orange-a7)"),
        opacity=rx.cond(item.read, "0.85", "1"),
        role="listitem",
        **testid(
            "notification-item",
            **{
                "data-notification-id": item.id,
                "data-read": rx.cond(item.read, "true", "false"),
                "data-seen": rx.cond(item.seen, "true", "false"),
                "data-type": item.type,
                "data-priority": item.priority,
                "data-category": item.category,
                "data-group-count": item.group_count.to_string(),
            },
        ),
    )
