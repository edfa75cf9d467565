"""/preferences: per category, whether a notification toasts, plays the sound, shows a
desktop notification, and when it is pushed (always, when offline, never). All off = it
lands in the inbox silently; critical categories always alert (their switches show on and
cannot be changed, and their push cannot be "never"). Above the grid, this browser's
Web Push (components/push_settings.py)."""

from __future__ import annotations

import reflex as rx

from notification_center.components import email_preferences, layout
from notification_center.components.push_settings import push_settings
from notification_center.state.preferences_state import PreferenceRow, PreferencesState

KINDS = (("toast", "Toast", "message-square"), ("sound", "Sound", "volume-2"), ("desktop", "Desktop", "monitor"))


_ALWAYS_ON_STYLE = {
    "&[data-disabled]": {"opacity": "0.6", "cursor": "not-allowed"},
    "&[data-disabled][data-state=checked]::before": {"background_color": "var(--accent-9)"},
}


def _switch(row: PreferenceRow, kind: str, label: str, icon: str) -> rx.Component:
    return rx.text(
        rx.flex(
            rx.switch(
                checked=rx.cond(row.critical, True, getattr(row, kind)),
                disabled=row.critical,
                # Radix draws a disabled switch grey, which reads as "off": a critical one is on.
                style=_ALWAYS_ON_STYLE,
                on_change=lambda enabled: PreferencesState.set_preference(row.slug, kind, enabled),
                custom_attrs={"data-testid": f"pref-{row.slug}-{kind}"},
            ),
            rx.icon(icon, size=14),
            label,
            align="center",
            spacing="2",
        ),
        as_="label",
        size="2",
    )


PUSH_CHOICES = (("always", "Always"), ("offline", "When offline"), ("never", "Never"))


def _push_choice(row: PreferenceRow) -> rx.Component:
    """When Web Push is sent for this category; a critical one offers no "never"."""
    return rx.flex(
        rx.icon("send", size=14),
        rx.text("Push", size="2"),
        rx.select.root(
            rx.select.trigger(aria_label="Push", custom_attrs={"data-testid": f"pref-{row.slug}-push"}),
            rx.select.content(
                *[
                    rx.cond(
                        row.critical & (value == "never"),
                        rx.fragment(),
                        rx.select.item(label, value=value, custom_attrs={"data-testid": f"push-choice-{value}"}),
                    )
                    for value, label in PUSH_CHOICES
                ]
            ),
            value=row.push,
            size="1",
            on_change=lambda mode: PreferencesState.set_push(row.slug, mode),
        ),
        align="center",
        spacing="2",
    )


def _row(row: PreferenceRow) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.flex(
                    rx.heading(row.name, size="3", as_="h3"),
                    rx.cond(
                        row.critical,
                        rx.badge(rx.icon("shield-alert", size=12), "Always on", color_scheme="red", variant="soft"),
                    ),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
                rx.text(row.description, size="2", color="var(--gray-11)"),
                direction="column",
                spacing="1",
                flex="1",
                min_width="12rem",
            ),
            rx.flex(
                *[_switch(row, kind, label, icon) for kind, label, icon in KINDS],
                _push_choice(row),
                email_preferences.email_choice(row.slug, row.critical),
                spacing="4",
                wrap="wrap",
                align="center",
            ),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="3",
        ),
        width="100%",
        custom_attrs={"data-testid": "pref-row", "data-category": row.slug},
    )


def preferences_page() -> rx.Component:
    return layout.page(
        rx.heading("Notification preferences", size="4", as_="h2", margin_bottom="0.25rem"),
        rx.text(
            "Choose how each kind of notification gets your attention. With everything off it still"
            " lands in your inbox, silently. Sound and desktop notifications also need to be switched"
            " on for this browser on the Notifications page.",
            size="2",
            color="var(--gray-11)",
            margin_bottom="1rem",
        ),
        push_settings(),
        email_preferences.address_form(),
        rx.cond(
            PreferencesState.loaded,
            rx.flex(rx.foreach(PreferencesState.rows, _row), direction="column", spacing="3"),
            rx.center(rx.spinner(size="3"), padding="3rem"),
        ),
    )
