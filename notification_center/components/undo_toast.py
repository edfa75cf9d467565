"""The toast after a bulk action: what it did, and an Undo button (`undo-button`).

Not a sonner toast: those cannot carry a test id on their action button. It hides itself
when the undo window passes with a CSS animation (no timer on the server or in script);
keyed by the token, so each new bulk action starts a fresh one.
"""

from __future__ import annotations

import reflex as rx

from notification_center.components.layout import testid
from notification_center.state.notifications_state import NotificationsState

# Visible for the undo window, then hidden (and so no longer clickable).
_HIDE_KEYFRAMES = "@keyframes nc-undo-hide { from { visibility: visible; } to { visibility: hidden; } }"


def undo_toast() -> rx.Component:
    return rx.fragment(
        rx.el.style(_HIDE_KEYFRAMES),
        rx.cond(NotificationsState.undo_token != "", _toast()),
    )


def _toast() -> rx.Component:
    return rx.flex(
        rx.icon("circle-check", size=18, color="var(--grass-11)"),
        rx.text(NotificationsState.undo_message, size="2", **testid("undo-message")),
        rx.button(
            rx.icon("undo-2", size=16),
            "Undo",
            size="1",
            variant="solid",
            on_click=NotificationsState.undo,
            **testid("undo-button"),
        ),
        rx.icon_button(
            rx.icon("x", size=14),
            size="1",
            variant="ghost",
            color_scheme="gray",
            aria_label="Dismiss",
            on_click=NotificationsState.dismiss_undo,
        ),
        key=NotificationsState.undo_token,
        align="center",
        spacing="3",
        position="fixed",
        bottom="1.5rem",
        left="50%",
        transform="translateX(-50%)",
        z_index="1000",
        padding="0.6rem 0.9rem",
        background="var(--color-panel-solid)",
        border="1px solid var(--gray-a6)",
        border_radius="var(--radius-3)",
        box_shadow="var(--shadow-4)",
        role="status",
        style={"animation": "nc-undo-hide 0s linear " + NotificationsState.undo_ms.to_string() + "ms forwards"},
        **testid("undo-toast"),
    )
