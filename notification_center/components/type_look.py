"""A notification type's look (icon, colour) as Reflex values: shared by the list's rows and the bell's."""

from __future__ import annotations

import reflex as rx

from notification_center import styles


def _by_type(item_type: rx.Var, values: dict[str, rx.Component | str], default: rx.Component | str):
    return rx.match(item_type, *[(name, value) for name, value in values.items()], default)


def type_icon(item_type: rx.Var, size: int = 18) -> rx.Component:
    """The type's icon in its colour (the list's rows use 18 px, the bell's denser ones 16)."""
    icons = {
        name: rx.icon(icon, size=size, color=f"var(--{color}-11)") for name, (color, icon) in styles.TYPE_STYLES.items()
    }
    color, icon = styles.TYPE_STYLES[styles.DEFAULT_TYPE]
    return _by_type(item_type, icons, rx.icon(icon, size=size, color=f"var(--{color}-11)"))


def type_color(item_type: rx.Var, step: int) -> rx.Var:
    colors = {name: f"var(--{color}-{step})" for name, (color, _icon) in styles.TYPE_STYLES.items()}
    return _by_type(item_type, colors, f"var(--{styles.TYPE_STYLES[styles.DEFAULT_TYPE][0]}-{step})")
