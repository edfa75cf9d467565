"""The frame around every signed-in page: title, navigation, the bell (and with it the
page's one notification stream), who is signed in, sign out."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components.bell import notification_bell
from notification_center.components.testids import testid
from notification_center.state.auth_state import AuthState, sign_out

__all__ = ["header", "page", "testid"]


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.flex(rx.icon(icon, size=16), rx.text(label), align="center", spacing="1"),
        href=href,
        size="2",
        weight="medium",
        underline="hover",
    )


def header(*extra: rx.Component) -> rx.Component:
    """Top bar: app name and navigation on the left; `extra`, the user, sign out on the right."""
    return rx.flex(
        rx.flex(
            rx.flex(
                rx.icon("bell", size=22),
                rx.heading("Notification Center", size="5", as_="h1"),
                align="center",
                spacing="2",
            ),
            rx.flex(
                _nav_link("Notifications", "/", "inbox"),
                rx.cond(AuthState.is_operator, _nav_link("Operator", "/operator", "send")),
                spacing="3",
                align="center",
            ),
            spacing=rx.breakpoints(initial="1", sm="4"),
            align=rx.breakpoints(initial="start", sm="center"),
            direction=rx.breakpoints(initial="column", sm="row"),
        ),
        rx.flex(
            *extra,
            notification_bell(),
            rx.flex(
                rx.icon("circle-user", size=16),
                rx.text(AuthState.username, size="2", weight="medium"),
                align="center",
                spacing="1",
            ),
            rx.button(
                rx.icon("log-out", size=16),
                "Sign out",
                variant="soft",
                color_scheme="gray",
                size="2",
                on_click=sign_out(),
                **testid("logout-button"),
            ),
            spacing="3",
            align="center",
            wrap="wrap",
            justify="end",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="3",
        width="100%",
        padding_bottom="0.75rem",
        border_bottom="1px solid var(--gray-a5)",
        margin_bottom="1rem",
    )


def page(*children: rx.Component, header_extra: tuple[rx.Component, ...] = ()) -> rx.Component:
    """A signed-in page; nothing renders until the user is known (no flash of content)."""
    return rx.box(
        rx.cond(
            AuthState.signed_in,
            rx.flex(header(*header_extra), *children, direction="column", width="100%"),
            rx.center(rx.spinner(size="3"), padding="4rem"),
        ),
        style=styles.page_style,
    )
