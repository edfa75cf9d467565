"""Every event handler of the compiled app declares who may call it (state/access.py).

The list comes from the state tree itself, so a handler added without a rule (or a Reflex
upgrade that brings a new built-in one) fails here, not in production.
"""

from __future__ import annotations

import inspect

import reflex as rx

import notification_center.notification_center as app_module
from notification_center.state.access import FRAMEWORK_RULES, Access, rule_of
from notification_center.state.session_guard import SessionGuard

FRAMEWORK_PREFIXES = {q.split(".", 1)[0] + "." for q in FRAMEWORK_RULES}


def _handlers(state: type[rx.State] = rx.State) -> list[tuple[str, str, object]]:
    found = [(state.get_full_name(), name, handler.fn) for name, handler in state.event_handlers.items()]
    for sub in state.get_substates():
        found.extend(_handlers(sub))
    return found


def rule_table() -> dict[str, Access | None]:
    """`qualified name -> rule` for every handler function of the app (inherited ones once)."""
    return {fn.__qualname__: rule_of(fn) for _, _, fn in _handlers()}  # type: ignore[attr-defined]


def test_every_handler_of_this_app_declares_its_caller() -> None:
    ours = {q: rule for q, rule in rule_table().items() if not q.startswith(tuple(FRAMEWORK_PREFIXES))}
    assert len(ours) > 60  # the walk found the app's states
    assert [q for q, rule in ours.items() if rule is None] == []


def test_every_reflex_handler_is_listed_and_setvar_is_refused() -> None:
    framework = {fn.__qualname__ for _, _, fn in _handlers() if fn.__module__.split(".")[0] == "reflex"}  # type: ignore[attr-defined]
    assert framework <= set(FRAMEWORK_RULES), f"new Reflex handlers without a rule: {framework - set(FRAMEWORK_RULES)}"
    assert rule_of(rx.State.event_handlers["setvar"].fn) is None


def test_handlers_that_take_user_data_are_not_open_to_anyone() -> None:
    # A handler reachable signed out must not be one that reads the inbox or acts on it.
    anyone = {q for q, rule in rule_table().items() if rule is Access.ANYONE}
    for qualname in anyone:
        assert not qualname.startswith(("NotificationsState.on_", "NotificationsState.load", "BellState.")), qualname
        assert qualname.split(".")[-1] not in {"load", "refresh", "send", "save", "cancel", "create", "revoke"}


def test_an_unmarked_handler_has_no_rule() -> None:
    def plain(self) -> None: ...

    assert rule_of(plain) is None
    assert rule_of(rx.event(plain)) is None


def test_the_guard_runs_first_on_the_app() -> None:
    assert isinstance(app_module.app._middlewares[0], SessionGuard)
    assert inspect.iscoroutinefunction(SessionGuard.preprocess)
