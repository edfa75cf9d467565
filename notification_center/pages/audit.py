"""/operator/audit: the audit log, with a CSV export. Operators only."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components import layout
from notification_center.components.layout import testid
from notification_center.components.operator_access import back_to_console, operator_only
from notification_center.state.audit_state import AuditRow, AuditState


def _row(row: AuditRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.at, white_space="nowrap"),
        rx.table.cell(row.label),
        # Who, and from where, in one cell: the table fits a laptop screen without scrolling.
        rx.table.cell(
            rx.text(row.actor, weight="medium"),
            rx.text(row.actor_type, rx.cond(row.ip != "", " · " + row.ip, ""), size="1", color="var(--gray-11)"),
        ),
        rx.table.cell(row.target, word_break="break-word"),
        rx.table.cell(row.detail),
        **testid("audit-row", **{"data-action": row.action, "data-actor": row.actor}),
    )


def _content() -> rx.Component:
    return rx.flex(
        back_to_console(),
        rx.card(
            rx.flex(
                rx.flex(
                    rx.heading("Audit log", size="4", as_="h2"),
                    # Reflex renders internal links with React Router, whose client-side routing
                    # would swallow the click: reloadDocument leaves it to the browser, which
                    # downloads the file with the session cookie.
                    rx.button(
                        rx.el.a(
                            rx.icon("download", size=14),
                            "Export CSV",
                            href="/api/audit.csv",
                            download="audit.csv",
                            custom_attrs={"data-testid": "audit-export", "reloadDocument": True},
                        ),
                        as_child=True,
                        size="2",
                        variant="soft",
                    ),
                    justify="between",
                    align="center",
                ),
                rx.cond(
                    AuditState.rows.length() > 0,
                    rx.box(
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(
                                    *[
                                        rx.table.column_header_cell(title)
                                        for title in ("When (UTC)", "What", "Who (from)", "On", "Detail")
                                    ]
                                )
                            ),
                            rx.table.body(rx.foreach(AuditState.rows, _row)),
                            size="1",
                            width="100%",
                        ),
                        overflow_x="auto",
                        width="100%",
                    ),
                    rx.text("Nothing recorded yet.", size="2", color="var(--gray-11)"),
                ),
                rx.cond(
                    AuditState.next_cursor != "",
                    rx.button("Load older", variant="soft", on_click=AuditState.load_more, **testid("audit-more")),
                ),
                direction="column",
                spacing="3",
            ),
            style=styles.card_style,
        ),
        direction="column",
        spacing="3",
    )


def audit_page() -> rx.Component:
    return layout.page(operator_only(AuditState.checked, AuditState.allowed, _content()))
