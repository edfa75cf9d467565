"""`data-testid` attributes (CONTRACT sections 8 and 9), in a module of their own so that
any component can use them without importing the page frame (which imports the bell)."""

from __future__ import annotations

import reflex as rx


def testid(name: str, **attrs: rx.Var | str) -> dict:
    """`custom_attrs` for a `data-testid` and any other data-* attrs."""
    return {"custom_attrs": {"data-testid": name, **attrs}}
