"""The event socket's gate: every event passes here before its handler runs.

Any websocket client can send any event name with any payload, so before a handler runs:
- every string in the payload is made inert for Reflex (notification_center/untrusted.py);
- the handler's access rule (state/access.py) is enforced: no rule, or Reflex's `setvar`,
  is refused; `user` and `operator` handlers need the tab's session to be live now (checked
  against the database, not remembered from page load), else the tab's data is cleared, the
  page goes to /login and the handler never runs; an `operator` handler called by a user who
  is not (or no longer) an operator clears that page's data and shows its "not allowed";
- on a hydrate (each page load and websocket reconnect) the session is checked first, and
  the user's states are cleared when there is none, so the snapshot Reflex sends whole
  holds nothing of anybody.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import reflex as rx
from reflex.istate.delta import _resolve_delta
from reflex.middleware import Middleware
from reflex.state import StateUpdate
from reflex_base.constants import CompileVars
from reflex_base.event import Event
from reflex_base.registry import RegistrationContext
from reflex_base.utils.format import format_event_handler

from notification_center.components import browser_events
from notification_center.state import host_session
from notification_center.state.access import Access, rule_of
from notification_center.state.auth_state import AuthState, forget_verified_user
from notification_center.untrusted import inert, inert_payload

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _hydrate_events() -> frozenset[str]:
    handlers = rx.State.event_handlers
    return frozenset(
        format_event_handler(handlers[name])
        for name in (CompileVars.HYDRATE, CompileVars.HYDRATE_AND_LOAD)
        if name in handlers
    )


def _answer(*events: Any, delta: Any = None) -> StateUpdate:
    return StateUpdate(delta=delta or {}, events=Event.from_event_type(list(events)))


def _refused(event_name: str, why: str) -> StateUpdate:
    handler = inert(event_name.rpartition(".")[2][:80])
    logger.warning("refused event %s: %s", inert(event_name[:300]), why)
    return _answer(browser_events.toast("error", f"Not allowed: {handler} {why}."))


_PACKAGE = "notification_center."


def _is_own(registered: Any) -> bool:
    """The handler belongs to one of this package's states."""
    return any(cls.__module__.startswith(_PACKAGE) for cls in registered.states)


class SessionGuard(Middleware):
    """`every_handler=False` (a host app, `install`): the host's own handlers keep the host's
    rules; the payload check and the inert text still cover them, and every handler of this
    package still needs its access rule."""

    def __init__(self, every_handler: bool = True) -> None:
        self.every_handler = every_handler

    async def preprocess(self, app: Any, state: Any, event: Any) -> StateUpdate | None:
        if not isinstance(event.payload, dict):  # a handler's arguments are named: an object
            return _refused(event.name, "takes its arguments as a JSON object")
        inert_payload(event.payload)
        auth = await state.get_state(AuthState)
        if event.name in _hydrate_events():
            await auth._current_user(fresh=True)
            return None
        registered = RegistrationContext.get().event_handlers.get(event.name)
        rule = rule_of(registered.handler.fn) if registered is not None else None
        if rule is None:
            if not self.every_handler and registered is not None and not _is_own(registered):
                return None  # the host app's handler
            return _refused(event.name, "is not an action of this app")
        if rule is Access.ANYONE:
            forget_verified_user()
            return None
        user = await auth._current_user(fresh=True)
        if user is None:  # _current_user has cleared the tab's data: send that, then /login
            # (in a host app with identify: the host's user signed in instead)
            step = await host_session.step_before(auth, None, auth.router.url.path.rstrip("/") or "/")
            return await _with_delta(state, *([step] if step is not None else []))
        if rule is Access.OPERATOR and not user.is_operator:  # e.g. demoted since page load
            target = await state.get_state(registered.states[0])
            target._deny_operator()
            logger.warning("refused event %s: not an operator", inert(event.name[:300]))
            return await _with_delta(state)
        return None


async def _with_delta(state: Any, *events: Any) -> StateUpdate:
    """What the guard changed in the tab's states (and `events`), sent instead of running
    the handler."""
    delta = await _resolve_delta(state.get_delta())
    state._clean()
    return _answer(*events, delta=delta)
