"""The preferences page's Web Push card: "Enable push on this browser" (the permission
prompt only follows this click), the browser's answer, and the user's subscribed browsers
with a remove button each. The push column of the category grid is in pages/preferences.py."""

from __future__ import annotations

import reflex as rx

from notification_center.state.push_state import PushBrowserRow, PushState, enable_push

_PERMISSION_TEXT = {
    "granted": "Notifications are allowed in this browser.",
    "denied": "Notifications are blocked for this site in this browser's settings: allow them there first.",
    "default": "This browser will ask for permission when you enable push.",
    "unsupported": "This browser cannot receive Web Push here (it needs HTTPS and a push-capable browser).",
}


def _permission_text() -> rx.Component:
    return rx.text(
        rx.match(PushState.push_permission, *_PERMISSION_TEXT.items(), _PERMISSION_TEXT["default"]),
        size="2",
        color="var(--gray-11)",
        custom_attrs={"data-testid": "push-permission", "data-permission": PushState.push_permission},
    )


def _browser(row: PushBrowserRow) -> rx.Component:
    this_one = (PushState.push_endpoint != "") & (row.endpoint == PushState.push_endpoint)
    return rx.flex(
        rx.icon("monitor-smartphone", size=16),
        rx.text(row.label, weight="medium", size="2"),
        rx.cond(this_one, rx.badge("This browser", variant="soft", color_scheme="green")),
        rx.text(row.service, " · since ", row.since, size="1", color="var(--gray-10)"),
        rx.spacer(),
        rx.button(
            rx.icon("trash-2", size=14),
            "Remove",
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=PushState.remove(row.id),
            custom_attrs={"data-testid": "push-remove", "aria-label": "Remove this browser from push"},
        ),
        align="center",
        spacing="2",
        wrap="wrap",
        width="100%",
        custom_attrs={"data-testid": "push-browser", "data-subscription": row.id},
    )


def push_settings() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.heading("Push on this device", size="3", as_="h3"),
                rx.text(
                    "Web Push reaches you when no tab of this app is open. Each category below"
                    " says when: always, only when you are offline, or never.",
                    size="2",
                    color="var(--gray-11)",
                ),
                _permission_text(),
                direction="column",
                spacing="1",
                flex="1",
                min_width="12rem",
            ),
            rx.button(
                rx.icon("bell-ring", size=16),
                "Enable push on this browser",
                on_click=enable_push(),
                disabled=~PushState.push_supported,
                custom_attrs={"data-testid": "push-enable"},
            ),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="3",
        ),
        rx.cond(
            PushState.push_answer != "",
            rx.callout(
                PushState.push_answer,
                icon="info",
                size="1",
                margin_top="0.75rem",
                custom_attrs={"data-testid": "push-answer"},
            ),
        ),
        rx.cond(
            PushState.browsers.length() > 0,
            rx.flex(
                rx.text("Browsers that get your pushes", size="2", weight="medium"),
                rx.foreach(PushState.browsers, _browser),
                direction="column",
                spacing="2",
                margin_top="0.75rem",
            ),
            rx.cond(
                PushState.browsers_loaded,
                rx.text("No browser gets your pushes yet.", size="2", color="var(--gray-10)", margin_top="0.75rem"),
            ),
        ),
        width="100%",
        margin_bottom="1rem",
        custom_attrs={"data-testid": "push-settings"},
    )
