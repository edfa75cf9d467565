"""Every event the server sends the browser that carries text: toasts, scripts, redirects,
form values. The only module that calls `rx.toast`, `rx.call_script`, `rx.redirect` and
`rx.set_value` at run time (tests/unit/test_browser_events.py holds the rest of the package
to that), because each builds a Reflex Var from a Python string, and text that did not
come from this code must be made inert first (see notification_center/untrusted.py).
"""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx
from reflex.event import EventSpec

from notification_center.untrusted import inert, inert_value, js_literal

ToastLevel = Literal["info", "success", "warning", "error"]


def toast(level: ToastLevel, message: str, *, description: str | None = None, **options: Any) -> EventSpec:
    """A sonner toast; `message`, `description` and the options may hold any text."""
    show = {"info": rx.toast.info, "success": rx.toast.success, "warning": rx.toast.warning, "error": rx.toast.error}
    if description:
        options["description"] = inert(description)
    return show[level](inert(str(message)), **inert_value(options))


def fill(template: str, **values: Any) -> str:
    """This package's JavaScript `template`, each `__NAME__` placeholder replaced by
    `values[name]` as a JavaScript literal (data, never code)."""
    for name, value in values.items():
        template = template.replace(f"__{name.upper()}__", js_literal(value))
    return template


def script(template: str, *, callback: Any = None, **values: Any) -> EventSpec:
    """Run `fill(template, **values)` in the page (and pass its result to `callback`)."""
    code = inert(fill(template, **values))
    return rx.call_script(code) if callback is None else rx.call_script(code, callback=callback)


def redirect(path: str, *, replace: bool = False) -> EventSpec:
    """A client-side route change to `path` (a link the caller has checked)."""
    return rx.redirect(inert(path), replace=replace)


def set_value(element_id: str, value: str) -> EventSpec:
    """Fill a form control (by id) with `value`."""
    return rx.set_value(element_id, inert(value))
