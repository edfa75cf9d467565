"""What an operator page shows while the user is checked, and to non-operators."""

from __future__ import annotations

import reflex as rx

from notification_center.components.layout import testid


def operator_only(checked: rx.Var, allowed: rx.Var, content: rx.Component) -> rx.Component:
    return rx.cond(
        checked,
        rx.cond(
            allowed,
            content,
            rx.callout(
                "Only operators can open this page.",
                icon="shield-alert",
                color_scheme="amber",
                **testid("operator-forbidden"),
            ),
        ),
        rx.center(rx.spinner(size="3"), padding="3rem"),
    )


def back_to_console() -> rx.Component:
    return rx.link(
        rx.flex(rx.icon("arrow-left", size=14), rx.text("Operator console"), align="center", spacing="1"),
        href="/operator",
        size="2",
    )
