"""/operator: compose and send notifications; live connection stats. Operators only."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components import charts, layout
from notification_center.components.form_field import form_field
from notification_center.components.layout import testid
from notification_center.components.scheduled_sends import scheduled_sends_card
from notification_center.models import NotificationType, Priority
from notification_center.state.categories_state import CATEGORIES_ROUTE
from notification_center.state.history_state import HISTORY_ROUTE
from notification_center.state.operator_state import (
    CategoryOption,
    ChannelFailure,
    ChannelTotals,
    OperatorState,
    UserConnections,
)
from notification_center.state.scheduled_state import ScheduledState


def _field(label: str, control_id: str, control: rx.Component, hint: str = "") -> rx.Component:
    return form_field(label, control_id, control, hint, width="100%")


def _select(name: str, options: list[str], default: str) -> rx.Component:
    return rx.el.select(
        *[rx.el.option(option.capitalize(), value=option) for option in options],
        name=name,
        id=f"send-{name}",
        default_value=default,
        style=styles.native_select_style,
        **testid(f"send-{name}"),
    )


def _invalid(field: str) -> dict:
    """Marks the control whose field the last failed send named (screen readers say so too)."""
    return {"aria-invalid": rx.cond(OperatorState.result_field == field, "true", "false")}


def _text_input(name: str, test_id: str, field: str, **props) -> rx.Component:
    return rx.input(
        name=name, id=test_id, size="2", style=styles.invalid_style, **props, **testid(test_id, **_invalid(field))
    )


def _category_select() -> rx.Component:
    def option(category: CategoryOption) -> rx.Component:
        return rx.el.option(category.name, value=category.slug)

    return rx.el.select(
        rx.foreach(OperatorState.category_options, option),
        name="category",
        id="send-category",
        default_value="general",
        style={**styles.native_select_style, **styles.invalid_style},
        **testid("send-category", **_invalid("category")),
    )


def _delivery_options() -> rx.Component:
    """The optional fields of POST /api/notifications beyond the message itself."""
    return rx.grid(
        _field(
            "Category",
            "send-category",
            _category_select(),
            hint="Users see it under this tab and choose per category how it alerts them.",
        ),
        _field(
            "Group key",
            "send-group-key",
            _text_input("group_key", "send-group-key", "groupKey", placeholder="build-42", max_length=128),
            hint="Optional: sends with the same key to the same user soon after one another update one row.",
        ),
        _field(
            "Link",
            "send-url",
            _text_input("url", "send-url", "url", placeholder="https://example.com/… or /path"),
            hint="Optional: opened when the title is clicked (http(s) or a path on this site).",
        ),
        _field(
            "Expires after (seconds)",
            "send-ttl",
            _text_input("ttl_seconds", "send-ttl", "ttlSeconds", type="number", min="1", step="1", placeholder="3600"),
            hint="Optional: it disappears from inboxes this long after it is sent (3600 = one hour); empty keeps it.",
        ),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="3",
        width="100%",
    )


def _result() -> rx.Component:
    return rx.cond(
        OperatorState.result != "",
        rx.callout(
            OperatorState.result,
            icon=rx.cond(OperatorState.result_ok, "circle-check", "triangle-alert"),
            color_scheme=rx.cond(OperatorState.result_ok, "green", "red"),
            role=rx.cond(OperatorState.result_ok, "status", "alert"),
            **testid(
                "send-result",
                **{
                    "data-ok": rx.cond(OperatorState.result_ok, "true", "false"),
                    "data-field": OperatorState.result_field,
                },
            ),
        ),
    )


def _send_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.flex(
                rx.heading("Send a notification", size="4", as_="h2"),
                _field(
                    "Title",
                    "send-title",
                    _text_input("title", "send-title", "title"),
                ),
                _field(
                    "Content",
                    "send-content",
                    rx.text_area(
                        name="content",
                        id="send-content",
                        rows="3",
                        resize="vertical",
                        style=styles.invalid_style,
                        **testid("send-content", **_invalid("content")),
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
                        style=styles.invalid_style,
                        **testid("send-recipients", **_invalid("recipients")),
                    ),
                    hint="Usernames separated by commas, or all for every user.",
                ),
                _delivery_options(),
                _field(
                    "Send at",
                    "send-at",
                    rx.input(
                        type="datetime-local",
                        step="1",
                        name="send_at",
                        id="send-at",
                        size="2",
                        # The zone the time is read in (the browser's, learned on load).
                        style=styles.invalid_style,
                        **testid("send-at", **{"data-time-zone": ScheduledState.time_zone}, **_invalid("sendAt")),
                    ),
                    hint="Optional: a later time (your time zone) to schedule the send; empty sends now.",
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


def _charts() -> rx.Component:
    """The console's live charts (times in UTC), redrawn every 5 s while the page is open."""
    return rx.flex(
        rx.heading("Activity", size="4", as_="h2"),
        rx.grid(
            charts.chart_card(
                "Open streams and users, last hour (UTC)",
                "chart-connections",
                OperatorState.chart_connections,
                charts.line_chart(
                    OperatorState.chart_connections,
                    "time",
                    [("streams", "open streams", "var(--accent-9)"), ("users", "connected users", "var(--green-9)")],
                ),
                "Sampled every 15 seconds.",
            ),
            charts.chart_card(
                "Sends per minute",
                "chart-sends",
                OperatorState.chart_sends,
                charts.bar_chart(OperatorState.chart_sends, "time", "sends", "sends", "var(--accent-9)"),
                "No sends in the last hour.",
            ),
            charts.chart_card(
                "Delivery latency per minute (ms)",
                "chart-latency",
                OperatorState.chart_latency,
                charts.line_chart(
                    OperatorState.chart_latency,
                    "time",
                    [("p50", "p50", "var(--green-9)"), ("p95", "p95", "var(--amber-9)")],
                    unit=" ms",
                    dots=True,
                ),
                "Nothing was delivered to an open stream in the last hour.",
            ),
            charts.chart_card(
                "Read rate of the last sends (%)",
                "chart-read-rate",
                OperatorState.chart_read_rate,
                charts.bar_chart(
                    OperatorState.chart_read_rate, "send", "rate", "read", "var(--green-9)", unit="%", y_max=100
                ),
                "Nothing has been sent yet.",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        _channels(),
        rx.moment(interval=5000, format="HH:mm:ss", on_change=OperatorState.refresh_charts, display="none"),
        direction="column",
        spacing="3",
    )


def _channel_row(row: ChannelTotals) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.channel),
        *[rx.table.cell(getattr(row, name), text_align="right") for name in CHANNEL_COLUMNS],
        **testid(
            "console-channel",
            **{
                "data-channel": row.channel,
                **{f"data-{name}": getattr(row, name).to_string() for name in CHANNEL_COLUMNS},
            },
        ),
    )


def _channel_failure(row: ChannelFailure) -> rx.Component:
    return rx.text(
        row.time,
        " · ",
        row.channel,
        " to ",
        row.username,
        ": ",
        row.error,
        size="1",
        color="var(--red-11)",
        **testid("console-channel-failure"),
    )


CHANNEL_COLUMNS = ("pending", "sent", "failed", "skipped", "cancelled", "clicked")


def _channels() -> rx.Component:
    """Per outside channel (push): what the last hour's deliveries did, and why some failed."""
    return rx.card(
        rx.flex(
            rx.heading("Other channels, last hour", size="3", as_="h3"),
            rx.cond(
                OperatorState.channel_totals.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Channel"),
                            *[rx.table.column_header_cell(n.capitalize(), text_align="right") for n in CHANNEL_COLUMNS],
                        )
                    ),
                    rx.table.body(rx.foreach(OperatorState.channel_totals, _channel_row)),
                    size="1",
                    width="100%",
                ),
                rx.text(
                    "Nothing went out on another channel (push) in the last hour.", size="2", color="var(--gray-11)"
                ),
            ),
            rx.foreach(OperatorState.channel_failures, _channel_failure),
            direction="column",
            spacing="2",
        ),
        style=styles.card_style,
        **testid("console-channels"),
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
        rx.link(
            rx.flex(rx.icon("history", size=16), "Sent history", align="center", spacing="1"),
            href=HISTORY_ROUTE,
            **testid("history-link"),
        ),
        rx.link(
            rx.flex(rx.icon("tags", size=16), "Categories", align="center", spacing="1"),
            href=CATEGORIES_ROUTE,
            **testid("link-categories"),
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
                rx.flex(
                    _console_links(),
                    _send_form(),
                    scheduled_sends_card(),
                    _stats(),
                    _charts(),
                    direction="column",
                    spacing="4",
                ),
                _not_allowed(),
            ),
            rx.center(rx.spinner(size="3"), padding="3rem"),
        ),
    )
