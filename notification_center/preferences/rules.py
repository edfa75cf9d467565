"""The pure rules of preferences: defaults, critical categories, and what one
notification does in a tab. Unit-tested apart from the database and the UI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("toast", "sound", "desktop")


@dataclass(frozen=True)
class Alerts:
    """How a category's notifications alert; all off = they land in the inbox silently."""

    toast: bool = True
    sound: bool = True
    desktop: bool = True

    def to_wire(self) -> dict[str, bool]:
        return asdict(self)

    @classmethod
    def from_wire(cls, data: Any) -> Alerts:
        """From `{"toast","sound","desktop"}`; missing or odd values keep the default (on)."""
        if not isinstance(data, Mapping):
            return cls()
        return cls(**{kind: data[kind] for kind in KINDS if isinstance(data.get(kind), bool)})


ALL_ON = Alerts()


def effective(stored: Alerts | None, critical: bool) -> Alerts:
    """A critical category always alerts, whatever was stored; no row means all on."""
    return ALL_ON if critical or stored is None else stored


def alerts_for(preferences: Mapping[str, Mapping[str, bool]], category: str) -> Alerts:
    """What a notification of `category` does in a tab holding the user's preferences
    (wire shape, already effective). An unknown category (defined after the tab loaded)
    alerts fully, like a category nobody has muted yet."""
    return Alerts.from_wire(preferences.get(category))
