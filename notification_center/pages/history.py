"""/operator/history (the sent history with live figures) and its detail view. Operators only."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components import layout
from notification_center.components.layout import testid
from notification_center.components.operator_access import back_to_console, operator_only
from notification_center.models import NotificationType
from notification_center.state.history_state import (
    ANY,
    DETAIL_ROUTE,
    HISTORY_ROUTE,
    HistoryRow,
    HistoryState,
    RecipientRow,
)


def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.el.label(
        rx.flex(rx.text(label, size="1", weight="medium"), control, direction="column", spacing="1"),
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            _labelled(
                "Sender", rx.input(name="sender", placeholder="username or key", size="2", **testid("history-sender"))
            ),
            _labelled(
                "Type",
                rx.el.select(
                    rx.el.option("Any", value=ANY),
                    *[rx.el.option(t.value.capitalize(), value=t.value) for t in NotificationType],
                    name="type",
                    default_value=ANY,
                    style=styles.native_control_style,
                    **testid("history-type"),
                ),
            ),
            _labelled(
                "From",
                rx.el.input(type="date", name="from", style=styles.native_control_style, **testid("history-from")),
            ),
            _labelled(
                "To", rx.el.input(type="date", name="to", style=styles.native_control_style, **testid("history-to"))
            ),
            rx.button(rx.icon("filter", size=16), "Filter", type="submit", size="2", **testid("history-filter")),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=HistoryState.apply_filters,
    )


def _figure(value: rx.Var, of: rx.Var) -> rx.Component:
    return rx.text(value, " / ", of, size="2")


def _row(row: HistoryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.created_at, white_space="nowrap"),
        rx.table.cell(rx.link(row.title, href=f"{DETAIL_ROUTE}?id=" + row.id, **testid("history-open"))),
        rx.table.cell(rx.badge(row.type, variant="soft")),
        rx.table.cell(rx.text(row.sender, " ", rx.text(f"({row.sender_kind})", as_="span", color="var(--gray-10)"))),
        rx.table.cell(
            rx.text(row.recipients, size="2"),
            rx.text(row.progress, size="1", color="var(--gray-11)", **testid("history-progress")),
            text_align="right",
        ),
        rx.table.cell(_figure(row.delivered, row.recipients), text_align="right"),
        rx.table.cell(_figure(row.seen, row.recipients), text_align="right"),
        rx.table.cell(_figure(row.read, row.recipients), text_align="right"),
        rx.table.cell(rx.text(row.channels, size="1", color="var(--gray-11)"), **testid("history-channels")),
        **testid(
            "history-row",
            **{
                "data-send-id": row.id,
                "data-state": row.state,
                "data-delivered": row.delivered.to_string(),
                "data-seen": row.seen.to_string(),
                "data-read": row.read.to_string(),
                "data-recipients": row.recipients.to_string(),
                "data-push-sent": row.push_sent.to_string(),
                "data-push-failed": row.push_failed.to_string(),
                "data-push-clicked": row.push_clicked.to_string(),
            },
        ),
    )


def _header(*names: str) -> rx.Component:
    return rx.table.header(
        rx.table.row(
            *[
                rx.table.column_header_cell(n, text_align="right" if 4 <= i <= 7 else "left")
                for i, n in enumerate(names)
            ]
        )
    )


def _table() -> rx.Component:
    return rx.cond(
        HistoryState.rows.length() > 0,
        rx.table.root(
            _header(
                "Sent (UTC)", "Title", "Type", "Sender", "Recipients", "Delivered", "Seen", "Read", "Other channels"
            ),
            rx.table.body(rx.foreach(HistoryState.rows, _row)),
            size="1",
            width="100%",
            **testid("history-table"),
        ),
        rx.text(
            "Nothing sent yet (or nothing matches the filter).",
            size="2",
            color="var(--gray-11)",
            **testid("history-empty"),
        ),
    )


def _guarded(content: rx.Component) -> rx.Component:
    return layout.page(operator_only(HistoryState.checked, HistoryState.allowed, content))


def history_page() -> rx.Component:
    return _guarded(
        rx.card(
            rx.flex(
                back_to_console(),
                rx.flex(
                    rx.heading("Sent history", size="4", as_="h2"),
                    rx.text("figures update every 3 s", size="1", color="var(--gray-11)"),
                    justify="between",
                    align="center",
                ),
                _filters(),
                rx.cond(
                    HistoryState.filter_error != "",
                    rx.callout(HistoryState.filter_error, icon="triangle-alert", color_scheme="red", role="alert"),
                ),
                _table(),
                rx.moment(interval=3000, format="HH:mm:ss", on_change=HistoryState.refresh, display="none"),
                direction="column",
                spacing="3",
            ),
            style=styles.card_style,
        )
    )


def _recipient(row: RecipientRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.username),
        rx.table.cell(row.delivered_at),
        rx.table.cell(row.seen_at),
        rx.table.cell(row.read_at),
        rx.table.cell(row.channels, **testid("recipient-channels")),
        **testid("recipient-row", **{"data-username": row.username}),
    )


def _detail() -> rx.Component:
    send = HistoryState.detail
    return rx.card(
        rx.flex(
            rx.link("← Sent history", href=HISTORY_ROUTE, size="2"),
            rx.heading(send.title, size="4", as_="h2"),
            rx.text(
                "Sent ",
                send.created_at,
                " UTC by ",
                send.sender,
                " (",
                send.sender_kind,
                ") to ",
                send.recipients,
                " recipients: ",
                send.delivered,
                " delivered, ",
                send.seen,
                " seen, ",
                send.read,
                " read.",
                size="2",
                **testid("history-detail-summary"),
            ),
            rx.cond(send.channels != "", rx.text(send.channels, size="2", **testid("history-detail-channels"))),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(n)
                            for n in ("User", "Delivered (UTC)", "Seen (UTC)", "Read (UTC)", "Other channels")
                        ]
                    )
                ),
                rx.table.body(rx.foreach(HistoryState.recipients, _recipient)),
                size="1",
                width="100%",
            ),
            rx.moment(interval=3000, format="HH:mm:ss", on_change=HistoryState.refresh_detail, display="none"),
            direction="column",
            spacing="3",
        ),
        style=styles.card_style,
        **testid("history-detail"),
    )


def history_detail_page() -> rx.Component:
    return _guarded(
        rx.cond(
            HistoryState.detail_found,
            _detail(),
            rx.callout("No such send.", icon="circle-alert", color_scheme="gray", **testid("history-detail-missing")),
        )
    )
