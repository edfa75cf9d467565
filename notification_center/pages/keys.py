"""/operator/keys: API keys for services. Operators only."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components import layout
from notification_center.components.layout import testid
from notification_center.components.operator_access import back_to_console, operator_only
from notification_center.state.keys_state import KeyRow, KeysState

_STATE_COLORS = {"active": "green", "expired": "gray", "revoked": "red"}


def _create_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.flex(
                rx.el.label(rx.text("Name", size="2", weight="medium"), html_for="key-name"),
                rx.input(
                    name="name", id="key-name", placeholder="billing-service", max_length=100, **testid("key-name")
                ),
                direction="column",
                spacing="1",
                flex="1",
                min_width="12rem",
            ),
            rx.flex(
                rx.el.label(rx.text("Expires", size="2", weight="medium"), html_for="key-expires"),
                rx.el.select(
                    rx.el.option("Never", value="never"),
                    rx.el.option("In 30 days", value="30"),
                    rx.el.option("In 90 days", value="90"),
                    rx.el.option("In a year", value="365"),
                    name="expires",
                    id="key-expires",
                    style={
                        "height": "var(--space-6)",
                        "padding": "0 0.5rem",
                        "border": "1px solid var(--gray-a7)",
                        "border_radius": "var(--radius-2)",
                        "background": "var(--color-surface)",
                        "color": "var(--gray-12)",
                    },
                    **testid("key-expires"),
                ),
                direction="column",
                spacing="1",
            ),
            rx.button(rx.icon("key-round", size=16), "Create key", type="submit", **testid("key-create")),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=KeysState.create,
    )


def _new_secret() -> rx.Component:
    return rx.cond(
        KeysState.new_secret != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.flex(
                rx.text(
                    "New key ",
                    rx.text(KeysState.new_secret_name, as_="span", weight="bold"),
                    ": copy it now. It is stored hashed and will not be shown again.",
                    size="2",
                ),
                rx.code(
                    KeysState.new_secret,
                    word_break="break-all",
                    size="2",
                    **testid("key-secret", **{"data-key-name": KeysState.new_secret_name}),
                ),
                rx.flex(
                    rx.button(
                        rx.icon("copy", size=14),
                        "Copy",
                        size="1",
                        variant="soft",
                        on_click=rx.set_clipboard(KeysState.new_secret),
                    ),
                    rx.button("Done", size="1", variant="ghost", on_click=KeysState.dismiss_secret),
                    spacing="3",
                ),
                direction="column",
                spacing="2",
                width="100%",
            ),
            color_scheme="green",
            role="status",
        ),
    )


def _key_row(row: KeyRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium"), rx.text(row.prefix, size="1", color="var(--gray-11)")),
        rx.table.cell(rx.badge(row.state, color_scheme=rx.match(row.state, *_STATE_COLORS.items(), "gray"))),
        rx.table.cell(row.created, white_space="nowrap"),
        rx.table.cell(row.expires, white_space="nowrap"),
        rx.table.cell(row.last_used, white_space="nowrap"),
        rx.table.cell(
            rx.cond(
                row.state == "active",
                rx.button(
                    "Revoke",
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    on_click=KeysState.revoke(row.id),
                    **testid("key-revoke", **{"data-key-id": row.id}),
                ),
            ),
            text_align="right",
        ),
        **testid("key-row", **{"data-key-id": row.id, "data-state": row.state}),
    )


def _key_list() -> rx.Component:
    return rx.cond(
        KeysState.keys.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("State"),
                        rx.table.column_header_cell("Created"),
                        rx.table.column_header_cell("Expires"),
                        rx.table.column_header_cell("Last used"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(KeysState.keys, _key_row)),
                size="1",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.text("No API keys yet.", size="2", color="var(--gray-11)"),
    )


def _content() -> rx.Component:
    return rx.flex(
        back_to_console(),
        rx.card(
            rx.flex(
                rx.heading("API keys", size="4", as_="h2"),
                rx.text(
                    "Services send with ",
                    rx.code("Authorization: Bearer <key>"),
                    " on POST /api/notifications, without signing in. A key cannot read anyone's notifications.",
                    size="2",
                    color="var(--gray-11)",
                ),
                _create_form(),
                rx.cond(KeysState.error != "", rx.callout(KeysState.error, icon="triangle-alert", color_scheme="red")),
                _new_secret(),
                _key_list(),
                direction="column",
                spacing="3",
            ),
            style=styles.card_style,
        ),
        direction="column",
        spacing="3",
    )


def keys_page() -> rx.Component:
    return layout.page(operator_only(KeysState.checked, KeysState.allowed, _content()))
