"""/operator/categories: the notification categories, and a form to create or change one.
Operators only."""

from __future__ import annotations

import reflex as rx

from notification_center import styles
from notification_center.components import layout
from notification_center.components.form_field import form_field
from notification_center.components.operator_access import back_to_console, operator_only
from notification_center.components.testids import testid
from notification_center.state.categories_state import CRITICAL, MUTABLE, CategoriesState, CategoryRow


def _invalid(field: str) -> dict:
    return {"aria-invalid": rx.cond(CategoriesState.error_field == field, "true", "false")}


def _form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.heading("Create or change a category", size="3", as_="h3"),
            rx.grid(
                form_field(
                    "Slug",
                    "category-slug",
                    rx.input(
                        name="slug",
                        id="category-slug",
                        placeholder="billing",
                        max_length=32,
                        style=styles.invalid_style,
                        **testid("category-slug", **_invalid("slug")),
                    ),
                    hint="What senders put in the category field: lowercase letters, digits, - and _. "
                    "An existing slug updates that category.",
                ),
                form_field(
                    "Name",
                    "category-name",
                    rx.input(
                        name="name",
                        id="category-name",
                        placeholder="Billing",
                        max_length=64,
                        style=styles.invalid_style,
                        **testid("category-name", **_invalid("name")),
                    ),
                    hint="The inbox tab and preferences row users see.",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            form_field(
                "Description",
                "category-description",
                rx.input(
                    name="description",
                    id="category-description",
                    placeholder="Invoices and payments",
                    max_length=500,
                    style=styles.invalid_style,
                    **testid("category-description", **_invalid("description")),
                ),
                width="100%",
            ),
            form_field(
                "Muting",
                "category-critical",
                rx.el.select(
                    rx.el.option("Users may mute it", value=MUTABLE),
                    rx.el.option("Critical: always alerts, users cannot mute it", value=CRITICAL),
                    name="critical",
                    id="category-critical",
                    default_value=MUTABLE,
                    style={**styles.native_select_style, **styles.invalid_style},
                    **testid("category-critical", **_invalid("critical")),
                ),
                hint="Muting never removes a notification from the inbox; it only silences toasts, sound "
                "and desktop alerts. The security category is always critical.",
                width="100%",
            ),
            rx.flex(
                rx.button(rx.icon("save", size=16), "Save category", type="submit", **testid("category-save")),
                justify="end",
            ),
            _result(),
            direction="column",
            spacing="3",
        ),
        on_submit=CategoriesState.save,
        **testid("category-form"),
    )


def _result() -> rx.Component:
    return rx.cond(
        CategoriesState.message != "",
        rx.callout(
            CategoriesState.message,
            icon=rx.cond(CategoriesState.ok, "circle-check", "triangle-alert"),
            color_scheme=rx.cond(CategoriesState.ok, "green", "red"),
            role=rx.cond(CategoriesState.ok, "status", "alert"),
            **testid(
                "category-result",
                **{"data-ok": rx.cond(CategoriesState.ok, "true", "false"), "data-field": CategoriesState.error_field},
            ),
        ),
    )


def _row(row: CategoryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row.slug, size="2"), white_space="nowrap"),
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(rx.text(row.description, size="2", color="var(--gray-11)")),
        rx.table.cell(
            rx.cond(
                row.critical,
                rx.badge("critical", color_scheme="red"),
                rx.badge("users may mute", color_scheme="gray"),
            ),
            white_space="nowrap",
        ),
        rx.table.cell(
            rx.button(
                "Edit",
                size="1",
                variant="soft",
                on_click=CategoriesState.edit(row.slug),
                **testid("category-edit", **{"data-slug": row.slug}),
            ),
            text_align="right",
        ),
        **testid(
            "category-row",
            **{"data-slug": row.slug, "data-critical": rx.cond(row.critical, "true", "false")},
        ),
    )


def _table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Slug"),
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("Description"),
                    rx.table.column_header_cell("Muting"),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(CategoriesState.categories, _row)),
            size="1",
            width="100%",
            **testid("categories-table"),
        ),
        overflow_x="auto",
        width="100%",
    )


def _content() -> rx.Component:
    return rx.flex(
        back_to_console(),
        rx.card(
            rx.flex(
                rx.heading("Categories", size="4", as_="h2"),
                rx.text(
                    "Every notification belongs to one category (",
                    rx.code("general"),
                    " unless the send names another). Users get a tab per category and choose, per "
                    "category, whether it toasts, plays the sound or shows a desktop notification.",
                    size="2",
                    color="var(--gray-11)",
                ),
                _table(),
                rx.divider(),
                _form(),
                direction="column",
                spacing="3",
            ),
            style=styles.card_style,
        ),
        direction="column",
        spacing="3",
    )


def categories_page() -> rx.Component:
    return layout.page(operator_only(CategoriesState.checked, CategoriesState.allowed, _content()))
