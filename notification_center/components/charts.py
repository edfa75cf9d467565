"""The operator console's charts (recharts through `rx.recharts`), each with an empty state.

Each chart is a card with `data-testid` = its name and `data-points` = how many points it
plots, so tests (and people) can tell "no data yet" from "data"; with no data the card
says so instead of drawing empty axes.
"""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components.layout import testid

HEIGHT = 220
_AXIS = {"font_size": 11, "stroke": "var(--gray-10)"}


def _empty(test_id: str, hint: str) -> rx.Component:
    return rx.center(
        rx.flex(
            rx.icon("chart-no-axes-combined", size=28, color="var(--gray-8)"),
            rx.text("No data yet", size="3", weight="medium", color="var(--gray-11)"),
            rx.text(hint, size="1", color="var(--gray-10)", text_align="center"),
            direction="column",
            align="center",
            spacing="1",
        ),
        height=f"{HEIGHT}px",
        **testid(f"{test_id}-empty"),
    )


def chart_card(title: str, test_id: str, data: rx.Var, chart: rx.Component, empty_hint: str) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.heading(title, size="3", as_="h3"),
            rx.cond(data.length() > 0, chart, _empty(test_id, empty_hint)),  # type: ignore[attr-defined]
            direction="column",
            spacing="2",
        ),
        style=styles.card_style,
        min_width="0",
        **testid(test_id, **{"data-points": data.length().to_string()}),  # type: ignore[attr-defined]
    )


def _common(x_key: str, y_max: int | None = None) -> list[rx.Component]:
    y_range = {"domain": [0, y_max]} if y_max is not None else {}
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke="var(--gray-a5)"),
        rx.recharts.x_axis(data_key=x_key, **_AXIS),
        rx.recharts.y_axis(allow_decimals=False, width=48, **y_range, **_AXIS),
        rx.recharts.graphing_tooltip(),
    ]


def line_chart(
    data: rx.Var, x_key: str, lines: list[tuple[str, str, str]], unit: str = "", dots: bool = False
) -> rx.Component:
    """Lines of (data key, label, colour) over `x_key`; `dots` for sparse series (one point
    per minute), where a lone point would otherwise not show."""
    return rx.recharts.line_chart(
        *[
            rx.recharts.line(
                data_key=key, name=name, stroke=colour, dot=dots, is_animation_active=False, unit=unit, stroke_width=2
            )
            for key, name, colour in lines
        ],
        *_common(x_key),
        rx.recharts.legend(),
        data=data,
        width="100%",
        height=HEIGHT,
    )


def bar_chart(
    data: rx.Var, x_key: str, key: str, name: str, colour: str, unit: str = "", y_max: int | None = None
) -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.bar(data_key=key, name=name, fill=colour, is_animation_active=False, unit=unit),
        *_common(x_key, y_max),
        data=data,
        width="100%",
        height=HEIGHT,
    )
