"""The operator page's card of pending scheduled sends, each with a cancel button."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components.layout import testid
from notification_center.state.scheduled_state import ScheduledState, ScheduledView


def _row(item: ScheduledView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.moment(item.send_at, format="YYYY-MM-DD HH:mm:ss", white_space="nowrap"),
        ),
        rx.table.cell(rx.text(item.title, style=styles.plain_text_style)),
        rx.table.cell(rx.text(item.recipients, style=styles.plain_text_style)),
        rx.table.cell(
            rx.button(
                rx.icon("x", size=14),
                "Cancel",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=ScheduledState.cancel(item.id),
                aria_label="Cancel this scheduled send",
                **testid("scheduled-cancel"),
            ),
            text_align="right",
        ),
        **testid("scheduled-row", **{"data-scheduled-id": item.id}),
    )


def scheduled_sends_card() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.heading("Scheduled sends", size="4", as_="h2"),
            rx.cond(
                ScheduledState.pending.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Send at"),
                            rx.table.column_header_cell("Title"),
                            rx.table.column_header_cell("Recipients"),
                            rx.table.column_header_cell(""),
                        )
                    ),
                    rx.table.body(rx.foreach(ScheduledState.pending, _row)),
                    size="1",
                    width="100%",
                    **testid("scheduled-list"),
                ),
                rx.text("Nothing is scheduled.", size="2", color="var(--gray-11)"),
            ),
            # Invisible clock: sends that fired leave the list while the page is open.
            rx.moment(interval=5000, format="HH:mm:ss", on_change=ScheduledState.refresh, display="none"),
            direction="column",
            spacing="3",
        ),
        on_mount=ScheduledState.load,
        style=styles.card_style,
    )
