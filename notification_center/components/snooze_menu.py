"""The per-item snooze control: a menu of presets (test ids `snooze`, `snooze-<preset>`)."""

from __future__ import annotations

import reflex as rx

from notification_center.components.layout import testid
from notification_center.state.notifications_state import NotificationView
from notification_center.state.snooze_state import SnoozeState

_LABELS = {
    "1h": "In 1 hour",
    "tonight": "Tonight (8 pm)",
    "tomorrow": "Tomorrow morning",
    "next-week": "Next week (Monday)",
}


def snooze_menu(item: NotificationView) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            # Like the item's other controls (archive, delete): a small soft icon button.
            rx.icon_button(
                rx.icon("alarm-clock", size=16),
                size="1",
                variant="soft",
                color_scheme="gray",
                aria_label="Snooze",
                title="Snooze",
                **testid("snooze"),
            ),
        ),
        rx.menu.content(
            *[
                rx.menu.item(label, on_click=SnoozeState.snooze(item.id, preset), **testid(f"snooze-{preset}"))
                for preset, label in _LABELS.items()
            ],
        ),
        on_open_change=SnoozeState.prepare,
    )
