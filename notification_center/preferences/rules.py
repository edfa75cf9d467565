"""The pure rules of preferences: defaults, critical categories, and what one
notification does in a tab. Unit-tested apart from the database and the UI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("toast", "sound", "desktop")
# Web Push per category: always, only when the user has no open stream anywhere, or never.
PUSH_MODES = ("always", "offline", "never")
DEFAULT_PUSH = "offline"
# Email per category: never; "unread" = only if still unread (not read, seen, archived or
# deleted) after the delay; in the next digest; or at once. Critical categories: always.
EMAIL_MODES = ("never", "unread", "digest", "always")
DEFAULT_EMAIL = "unread"
MAX_EMAIL_DELAY_MINUTES = 7 * 24 * 60.0


@dataclass(frozen=True)
class Alerts:
    """How a category's notifications alert; all off = they land in the inbox silently."""

    toast: bool = True
    sound: bool = True
    desktop: bool = True
    push: str = DEFAULT_PUSH

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_wire(cls, data: Any) -> Alerts:
        """From `{"toast","sound","desktop","push"}`; missing or odd values keep the default."""
        if not isinstance(data, Mapping):
            return cls()
        kept: dict[str, Any] = {kind: data[kind] for kind in KINDS if isinstance(data.get(kind), bool)}
        if data.get("push") in PUSH_MODES:
            kept["push"] = data["push"]
        return cls(**kept)


ALL_ON = Alerts()


def effective(stored: Alerts | None, critical: bool) -> Alerts:
    """A critical category always alerts, whatever was stored (push may be "always" or
    "offline", never "never"); no row means all on and push when offline."""
    if stored is None:
        return ALL_ON
    if critical:
        return Alerts(push=push_mode(stored.push, critical))
    return stored


def push_mode(stored: str | None, critical: bool) -> str:
    """The push mode that applies: the default without a choice; a critical category
    cannot be "never" (a row stored before it became critical reads as the default)."""
    if stored not in PUSH_MODES or (critical and stored == "never"):
        return DEFAULT_PUSH
    return stored


def alerts_for(preferences: Mapping[str, Mapping[str, bool]], category: str) -> Alerts:
    """What a notification of `category` does in a tab holding the user's preferences
    (wire shape, already effective). An unknown category (defined after the tab loaded)
    alerts fully, like a category nobody has muted yet."""
    return Alerts.from_wire(preferences.get(category))


def email_mode(stored: str | None, critical: bool) -> str:
    """The email mode that applies: a critical category always mails ("always"); no or an
    unknown choice is the default ("unread")."""
    if critical:
        return "always"
    return stored if stored in EMAIL_MODES else DEFAULT_EMAIL


def email_delay_problem(value: object) -> str | None:
    """Why `value` cannot be an `emailDelayMinutes`, or None (a number of minutes, fractions
    allowed, from 0 to a week)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number of minutes"
    if not 0 <= value <= MAX_EMAIL_DELAY_MINUTES:
        return f"must be between 0 and {MAX_EMAIL_DELAY_MINUTES:g} minutes"
    return None


def email_wire(stored_mode: str | None, stored_delay: float | None, critical: bool, default_delay: float) -> dict:
    """`{"email", "emailDelayMinutes"}` as they apply (the category's delay when none was chosen)."""
    delay = stored_delay if stored_delay is not None else default_delay
    return {"email": email_mode(stored_mode, critical), "emailDelayMinutes": delay}
