"""A form control with its label above it and an optional hint below: the console's forms
(send, categories) lay every field out this way."""

from __future__ import annotations

import reflex as rx


def form_field(label: str, control_id: str, control: rx.Component, hint: str = "", **props) -> rx.Component:
    return rx.flex(
        rx.el.label(rx.text(label, as_="span", size="2", weight="medium"), html_for=control_id),
        control,
        rx.text(hint, size="1", color="var(--gray-11)") if hint else rx.fragment(),
        direction="column",
        spacing="1",
        **props,
    )
