"""One row of the bell's inbox: compact, with the item's link and action buttons.

Title and content are rendered as text (React escapes them). Links come only from
`NotificationView.url` / `ActionView.url`, which hold nothing but http(s) URLs and paths on
this site (state/links.py): full URLs open in a new tab, paths in this one. Following either
marks the notification read.
"""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components.testids import testid
from notification_center.components.type_look import type_icon
from notification_center.state.bell_state import BellState
from notification_center.state.links import ActionView
from notification_center.state.notifications_state import NotificationsState, NotificationView

# Two lines of content at most: the full text is one click away on "/".
_clamp_style = {
    **styles.plain_text_style,
    "display": "-webkit-box",
    "-webkit-line-clamp": "2",
    "-webkit-box-orient": "vertical",
    "overflow": "hidden",
}


def _link(
    notification_id: rx.Var, href: rx.Var, external: rx.Var, *children: rx.Component, as_button: bool = False, **props
) -> rx.Component:
    """An anchor to a safe target that marks the notification read when followed."""

    def anchor(**anchor_props) -> rx.Component:
        if as_button:  # a Radix button rendered as this anchor (asChild)
            link = rx.el.a(*children, href=href, **anchor_props)
            return rx.button(link, as_child=True, size="1", variant="soft", **props)
        return rx.el.a(*children, href=href, **anchor_props, **props)

    return rx.cond(
        external,
        anchor(target="_blank", rel="noopener noreferrer", on_click=NotificationsState.mark_read(notification_id)),
        anchor(on_click=[rx.prevent_default, BellState.follow_link(notification_id, href)]),
    )


def _title(item: NotificationView) -> rx.Component:
    text = rx.text(
        item.title,
        as_="span",
        size="2",
        weight=rx.cond(item.read, "regular", "bold"),
        style=styles.plain_text_style,
    )
    return rx.cond(
        item.url != "",
        _link(
            item.id,
            item.url,
            item.url_external,
            text,
            rx.cond(item.url_external, rx.icon("external-link", size=12, margin_left="4px")),
            style={"color": "var(--accent-11)", "text_decoration": "underline"},
            **testid("bell-item-link"),
        ),
        text,
    )


def _action(item: NotificationView, action: ActionView) -> rx.Component:
    button_test = testid("item-action-" + action.id)
    return rx.cond(
        action.url != "",
        _link(
            item.id,
            action.url,
            action.url_external,
            action.label,
            as_button=True,
            **button_test,
        ),
        rx.button(
            action.label,
            size="1",
            variant="soft",
            on_click=BellState.take_action(item.id, action.id),
            **button_test,
        ),
    )


def bell_item(item: NotificationView) -> rx.Component:
    return rx.flex(
        rx.flex(
            type_icon(item.type, size=16),
            rx.cond(
                ~item.seen,
                rx.box(width="8px", height="8px", border_radius="50%", background="var(--accent-9)", title="New"),
            ),
            direction="column",
            align="center",
            spacing="1",
            padding_top="2px",
            flex_shrink="0",
        ),
        rx.flex(
            _title(item),
            rx.cond(
                item.content != "",
                rx.text(item.content, size="1", color="var(--gray-11)", style=_clamp_style),
            ),
            rx.cond(
                item.actions.length() > 0,
                rx.flex(rx.foreach(item.actions, lambda action: _action(item, action)), spacing="2", wrap="wrap"),
            ),
            rx.moment(
                item.created_at,
                from_now=True,
                interval=30_000,
                with_title=True,
                title_format="YYYY-MM-DD HH:mm:ss",
                font_size="0.75rem",
                color="var(--gray-11)",
            ),
            direction="column",
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.icon_button(
            rx.cond(item.read, rx.icon("check-check", size=14), rx.icon("check", size=14)),
            size="1",
            variant=rx.cond(item.read, "ghost", "soft"),
            disabled=item.read,
            on_click=NotificationsState.mark_read(item.id),
            aria_label=rx.cond(item.read, "Read", "Mark as read"),
            title=rx.cond(item.read, "Read", "Mark as read"),
            flex_shrink="0",
            **testid("bell-mark-read"),
        ),
        spacing="2",
        align="start",
        width="100%",
        padding="0.6rem 0.75rem",
        border_radius="var(--radius-2)",
        background=rx.cond(item.read, "transparent", "var(--accent-a3)"),
        role="listitem",
        tab_index=-1,
        style={"outline_offset": "-2px", "&:focus-visible": {"outline": "2px solid var(--accent-8)"}},
        **testid(
            "bell-item",
            **{
                "data-bell-item": "true",
                "data-notification-id": item.id,
                "data-read": rx.cond(item.read, "true", "false"),
                "data-seen": rx.cond(item.seen, "true", "false"),
            },
        ),
    )
