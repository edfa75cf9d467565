"""/operator: compose and send notifications; live connection stats. Operators only."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components import layout
from notification_center.components.layout import testid
from notification_center.models import NotificationType, Priority
from notification_center.state.operator_state import OperatorState, UserConnections

# A native <select>: keyboard- and phone-friendly, and a plain value for the form.
_select_style = {
    "height": "var(--space-6)",
    "padding": "0 0.5rem",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "font_size": "var(--font-size-2)",
    "width": "100%",
}


def _field(label: str, control_id: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.flex(
        rx.el.label(rx.text(label, as_="span", size="2", weight="medium"), html_for=control_id),
        control,
        rx.text(hint, size="1", color="var(--gray-11)") if hint else rx.fragment(),
        direction="column",
        spacing="1",
        width="100%",
    )


def _select(name: str, options: list[str], default: str) -> rx.Component:
    return rx.el.select(
        *[rx.el.option(option.capitalize(), value=option) for option in options],
        name=name,
        id=f"send-{name}",
        default_value=default,
        style=_select_style,
        **testid(f"send-{name}"),
    )


def _result() -> rx.Component:
    return rx.cond(
        OperatorState.result != "",
        rx.callout(
            OperatorState.result,
            icon=rx.cond(OperatorState.result_ok, "circle-check", "triangle-alert"),
            color_scheme=rx.cond(OperatorState.result_ok, "green", "red"),
            role=rx.cond(OperatorState.result_ok, "status", "alert"),
            **testid("send-result", **{"data-ok": rx.cond(OperatorState.result_ok, "true", "false")}),
        ),
    )


def _send_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.flex(
                rx.heading("Send a notification", size="4", as_="h2"),
                _field(
                    "Title", "send-title", rx.input(name="title", id="send-title", size="2", **testid("send-title"))
                ),
                _field(
                    "Content",
                    "send-content",
                    rx.text_area(
                        name="content", id="send-content", rows="3", resize="vertical", **testid("send-content")
                    ),
                ),
                rx.flex(
                    _field(
                        "Type",
                        "send-type",
                        _select("type", [t.value for t in NotificationType], NotificationType.INFO.value),
                    ),
                    _field(
                        "Priority",
                        "send-priority",
                        _select("priority", [p.value for p in Priority], Priority.NORMAL.value),
                    ),
                    spacing="3",
                    direction=rx.breakpoints(initial="column", sm="row"),
                ),
                _field(
                    "Recipients",
                    "send-recipients",
                    rx.input(
                        name="recipients",
                        id="send-recipients",
                        placeholder="alice, bob",
                        size="2",
                        **testid("send-recipients"),
                    ),
                    hint="Usernames separated by commas, or all for every user.",
                ),
                rx.flex(
                    rx.button(
                        rx.icon("send", size=16),
                        "Send",
                        type="submit",
                        loading=OperatorState.sending,
                        **testid("send-submit"),
                    ),
                    justify="end",
                ),
                _result(),
                direction="column",
                spacing="3",
            ),
            on_submit=OperatorState.send,
        ),
        style=styles.card_style,
    )


def _stat(label: str, value: rx.Var, test_id: str) -> rx.Component:
    return rx.flex(
        rx.text(value, size="7", weight="bold", **testid(test_id)),
        rx.text(label, size="2", color="var(--gray-11)"),
        direction="column",
        align="start",
        flex="1",
        padding="0.75rem 1rem",
        border="1px solid var(--gray-a5)",
        border_radius="var(--radius-3)",
    )


def _user_row(row: UserConnections) -> rx.Component:
    return rx.table.row(rx.table.cell(row.username), rx.table.cell(row.clients, text_align="right"))


def _stats() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.heading("Live connections", size="4", as_="h2"),
                rx.flex(
                    rx.box(width="8px", height="8px", border_radius="50%", background="var(--green-9)"),
                    rx.text("updates every 2 s", size="1", color="var(--gray-11)"),
                    align="center",
                    spacing="1",
                ),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="2",
            ),
            rx.flex(
                _stat("open streams", OperatorState.total_clients, "stat-total-clients"),
                _stat("connected users", OperatorState.connected_users, "stat-connected-users"),
                spacing="3",
            ),
            rx.cond(
                OperatorState.per_user.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("User"),
                            rx.table.column_header_cell("Streams", text_align="right"),
                        )
                    ),
                    rx.table.body(rx.foreach(OperatorState.per_user, _user_row)),
                    size="1",
                    width="100%",
                    **testid("stat-user-counts"),
                ),
                rx.text("Nobody is connected right now.", size="2", color="var(--gray-11)"),
            ),
            # Invisible clock: its tick refreshes the numbers while the page is open.
            rx.moment(interval=2000, format="HH:mm:ss", on_change=OperatorState.refresh_stats, display="none"),
            direction="column",
            spacing="3",
        ),
        style=styles.card_style,
    )


def _console_links() -> rx.Component:
    """The console's other pages."""
    return rx.flex(
        rx.link(
            rx.flex(rx.icon("key-round", size=16), "API keys", align="center", spacing="1"),
            href="/operator/keys",
            **testid("link-keys"),
        ),
        rx.link(
            rx.flex(rx.icon("scroll-text", size=16), "Audit log", align="center", spacing="1"),
            href="/operator/audit",
            **testid("link-audit"),
        ),
        spacing="4",
        wrap="wrap",
    )


def _not_allowed() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("shield-alert")),
        rx.callout.text(
            "Only operators can send notifications. You are signed in as ",
            rx.text(OperatorState.username, as_="span", weight="bold"),
            ", which is not an operator account. ",
            rx.link("Back to your notifications", href="/"),
        ),
        color_scheme="amber",
        size="2",
        **testid("operator-forbidden"),
    )


def operator_page() -> rx.Component:
    return layout.page(
        rx.cond(
            OperatorState.checked,
            rx.cond(
                OperatorState.allowed,
                rx.flex(_console_links(), _send_form(), _stats(), direction="column", spacing="4"),
                _not_allowed(),
            ),
            rx.center(rx.spinner(size="3"), padding="3rem"),
        ),
    )
