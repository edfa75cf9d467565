"""Who may call each event handler.

Every event handler is a public endpoint: any websocket client, signed in or not, can call
any handler of any state on `/_event` with any JSON arguments. So each handler declares
its caller with one of the decorators below instead of `@rx.event`, and the session guard
(state/session_guard.py) enforces that rule before the handler runs:

- `anyone`: no signed-in user needed; the handler reads and changes no user data (the
  login page, this browser's alert switches, the stream component's status);
- `user`: the tab's session is checked against the database first; when it is gone the
  tab's data is cleared and the page goes to /login, and the handler never runs;
- `operator`: the same, and the user must be an operator now.

A handler without a rule is refused (deny by default), and tests/unit/test_handler_rules.py
derives the handler list from the compiled state tree, so CI fails on one without a rule.
Reflex's own handlers are listed in `FRAMEWORK_RULES`; `setvar` (which calls any `set_*`
method with any value) is refused outright: this app's pages never use it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import reflex as rx

Fn = TypeVar("Fn", bound=Callable[..., Any])
_ATTR = "_nc_access"


class Access(StrEnum):
    ANYONE = "anyone"
    USER = "user"
    OPERATOR = "operator"


def _rule(access: Access) -> Callable[[Fn], Fn]:
    def decorate(fn: Fn) -> Fn:
        setattr(fn, _ATTR, access)
        return rx.event(fn)

    decorate.__doc__ = f"`@rx.event`, callable by: {access.value}."
    return decorate


anyone = _rule(Access.ANYONE)
user = _rule(Access.USER)
operator = _rule(Access.OPERATOR)

# Reflex 0.10.1's own handlers (reflex/state.py), by qualified name. Hydrate's snapshot is
# cleared by the session guard when the session is gone; the others carry no user data.
# A Reflex upgrade that adds a handler fails the rule test until it is listed here.
FRAMEWORK_RULES: dict[str, Access | None] = {
    "State.hydrate": Access.ANYONE,
    "State.hydrate_and_load": Access.ANYONE,
    "State.set_is_hydrated": Access.ANYONE,
    "OnLoadInternalState.on_load_internal": Access.ANYONE,
    "OnLoadInternalState.set_is_hydrated": Access.ANYONE,
    "UpdateVarsInternalState.update_vars_internal": Access.ANYONE,  # localStorage vars only
    "FrontendEventExceptionState.handle_frontend_exception": Access.ANYONE,
    "EventHandlerSetVar.setvar": None,  # refused
}


def rule_of(fn: Callable[..., Any]) -> Access | None:
    """The declared rule of a handler's function, or None (refused)."""
    declared = getattr(fn, _ATTR, None)
    if declared is not None:
        return Access(declared)
    if fn.__module__.split(".", 1)[0] == "reflex":
        return FRAMEWORK_RULES.get(fn.__qualname__)
    return None
