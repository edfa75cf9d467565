"""The README's "Add the bell to your own Reflex page", as a page the test suite serves.

Registered only with NC_EXAMPLE_PAGES=1 (see notification_center.py); it uses nothing but
the public pieces a page of another app would: `notification_bell`, `tab_title` and
`BellState.on_page_load`. tests/e2e/test_bell_example.py drives it.
"""

from __future__ import annotations

import reflex as rx

from notification_center.components.bell import notification_bell, tab_title
from notification_center.state.bell_state import BellState

ROUTE = "/example/bell"
TITLE = "My app"


def my_page() -> rx.Component:
    return rx.box(
        rx.flex(
            rx.heading("My app", size="5"),
            notification_bell(),  # the badge, the popover inbox and the browser's shared stream
            justify="between",
            align="center",
            padding="1rem",
            border_bottom="1px solid var(--gray-a5)",
        ),
        rx.text("Your own content goes here.", padding="1rem", custom_attrs={"data-testid": "example-content"}),
    )


def add_example_pages(app: rx.App) -> None:
    app.add_page(my_page, route=ROUTE, title=tab_title(TITLE), on_load=BellState.on_page_load)
