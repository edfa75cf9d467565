"""Who is signed in, for the Reflex pages.

The session cookie is HttpOnly, so the browser's JavaScript never sees it; the websocket
carries it in its handshake headers instead (`router.headers.cookie`). Sign-in and
sign-out therefore happen over plain HTTP (`/api/auth/*`) followed by a full page load,
which opens a new websocket with the new cookie.

Before every handler that reads or changes user data, the session guard
(state/session_guard.py) resolves the user again from the cookie, so a session revoked
elsewhere (logout in another tab, expiry) stops working at once; the handler's own
`_current_user()` then reuses that lookup. The ids live in backend-only vars (leading
underscore): never sent to the browser, no setters.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

import reflex as rx
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser

from notification_center import host
from notification_center.auth.sessions import cookie_name, load_user
from notification_center.components import browser_events
from notification_center.models import Role
from notification_center.state import access
from notification_center.state.next_path import safe_next

__all__ = ["AuthState", "SignedInUser", "login_redirect", "safe_next", "sign_in", "sign_out", "sign_out_everywhere"]

LOGIN_ROUTE = "/login"


@dataclass(frozen=True)
class SignedInUser:
    id: str
    username: str
    role: str
    external_id: str | None = None  # the host app's id for this user (host identity)

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR


def _lookup(cookie_value: str) -> SignedInUser | None:
    user = load_user(cookie_value)
    return SignedInUser(user.id, user.username, user.role, user.external_id) if user else None


def login_redirect(next_path: str) -> rx.event.EventSpec:
    """Send a signed-out visitor to /login, remembering where they wanted to go.

    A full page load, not a client-side route change: this tab's websocket may carry a
    stale cookie (signed out and in again in another tab), and a new page load opens a
    new websocket with the browser's current cookie, which /login then checks.
    """
    target = f"{host.login_route() or LOGIN_ROUTE}?{urlencode({'next': safe_next(next_path)}, safe='/')}"
    return browser_events.script("window.location.replace(__TARGET__)", target=target)


# Runs in the browser: POST the form to the API (the HttpOnly cookie comes back on the
# response), then load the target in full so the new websocket carries that cookie. The
# target was decided on the server (`safe_next`) and is filled in by `sign_in_js`; the
# browser still resolves it against this origin and navigates to the absolute URL it got,
# so nothing can re-read it as "//host". Resolves to the error text, or "".
SIGN_IN_JS = """
(async () => {
  const value = (id) => document.getElementById(id).value;
  const target = (raw) => {
    try {
      const url = new URL(raw, window.location.origin);
      return url.origin === window.location.origin ? url.href : window.location.origin + "/";
    } catch (error) {
      return window.location.origin + "/";
    }
  };
  const next = target(__NEXT__);
  try {
    const response = await fetch("/api/auth/login", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username: value("login-username"), password: value("login-password")}),
    });
    if (response.ok) {
      window.location.assign(next);
      return "";
    }
    const body = await response.json().catch(() => ({}));
    return body.error || `Sign-in failed (HTTP ${response.status})`;
  } catch (error) {
    return "Cannot reach the server. Check your connection and try again.";
  }
})()
"""


def sign_in_js(next_path: str) -> str:
    """The sign-in script with its (already safe) target as a JSON string literal."""
    return browser_events.fill(SIGN_IN_JS, next=safe_next(next_path))


SIGN_OUT_JS = """
fetch("/api/auth/logout", {method: "POST", credentials: "same-origin"})
  .catch(() => null)
  .finally(() => window.location.assign("/login"));
"""

# "Sign out everywhere": every session of this user, on every device, ends.
SIGN_OUT_EVERYWHERE_JS = """
fetch("/api/auth/logout-all", {method: "POST", credentials: "same-origin"})
  .catch(() => null)
  .finally(() => window.location.assign("/login"));
"""

# The session cookie and user the session guard verified for the event being handled.
# Each event runs in a task of its own, and the guard sets this before every handler, so a
# value never outlives its event's check.
_verified: ContextVar[tuple[str, SignedInUser] | None] = ContextVar("nc_verified_user", default=None)


def forget_verified_user() -> None:
    """The event being handled needs no user: nothing verified earlier applies to it."""
    _verified.set(None)


# States that hold data of the signed-in user (registered with `holds_user_data`).
_USER_DATA_STATES: list[type[rx.State]] = []
StateClass = TypeVar("StateClass", bound=type[rx.State])


def holds_user_data(cls: StateClass) -> StateClass:
    """Class decorator: the state's `_clear_user_data()` runs on sign-out and whenever
    this tab has no live session, so no later hydrate can send its data to anyone."""
    _USER_DATA_STATES.append(cls)
    return cls


async def forget_user_data(state: rx.State) -> None:
    """Clear every registered state of this tab (the tab's state token stays the same)."""
    for cls in _USER_DATA_STATES:
        substate = await state.get_state(cls)
        substate._clear_user_data()  # type: ignore[attr-defined]


@holds_user_data
class AuthState(rx.State):
    """The signed-in user of this tab. Page states inherit from it."""

    username: str = ""
    is_operator: bool = False
    signed_in: bool = False
    login_error: str = ""

    _user_id: str = ""

    def _cookie(self) -> str | None:
        header = self.router.headers.cookie
        return cookie_parser(header).get(cookie_name()) if header else None

    async def _current_user(self, *, fresh: bool = False) -> SignedInUser | None:
        """The user behind this tab's session cookie, checked against the database for the
        event being handled (`fresh`: now; the session guard does that first)."""
        cookie = self._cookie()
        verified = _verified.get()
        if not fresh and cookie and verified is not None and verified[0] == cookie:
            user: SignedInUser | None = verified[1]
        else:
            user = await run_in_threadpool(_lookup, cookie) if cookie else None
            _verified.set((cookie, user) if cookie and user else None)
        if user is None:  # signed out, revoked, expired: keep nothing of whoever was here
            await forget_user_data(self)
        self._remember(user)
        return user

    def _clear_user_data(self) -> None:
        self._remember(None)

    def _deny_operator(self) -> None:
        """The signed-in user called an operator handler of this state without being an
        operator (demoted since the page loaded): keep nothing of the page, and an operator
        page (`checked`/`allowed`, components/operator_access.py) shows "not allowed"."""
        if type(self) in _USER_DATA_STATES and type(self) is not AuthState:
            self._clear_user_data()
        if hasattr(self, "checked") and hasattr(self, "allowed"):
            self.checked, self.allowed = True, False

    @access.anyone
    async def forget_me(self):
        """Sign-out, before the browser calls the API: clear this tab's state now."""
        await forget_user_data(self)

    def _remember(self, user: SignedInUser | None) -> None:
        self._user_id = user.id if user else ""
        self.username = user.username if user else ""
        self.is_operator = bool(user and user.is_operator)
        self.signed_in = user is not None

    # -- /login ---------------------------------------------------------------------
    def _next_target(self) -> str:
        """This page's `next`, decided once from its normalised form (see next_path.py)."""
        return safe_next(self.router.url.query_parameters.get("next"))

    @access.anyone
    async def check_already_signed_in(self):
        """/login on_load: a signed-in visitor goes straight on to `next` (or `/`)."""
        self.login_error = ""
        if await self._current_user() is not None:
            return browser_events.redirect(self._next_target(), replace=True)
        return None

    @access.anyone
    def begin_sign_in(self):
        """The login form's submit. Takes no form data, so the password never reaches
        state: the returned script reads the fields and posts them from the browser, and
        goes on to the target decided here."""
        self.login_error = ""
        return browser_events.script(sign_in_js(self._next_target()), callback=AuthState.sign_in_failed)

    @access.anyone
    def sign_in_failed(self, message: str | None):
        # Called with "" when the sign-in worked (the page is already navigating away).
        self.login_error = str(message or "")


def sign_in() -> rx.event.EventHandler:
    """The login form's submit handler (see `AuthState.begin_sign_in`)."""
    return AuthState.begin_sign_in


def sign_out() -> list:
    """Clear this tab's state, then revoke the session and go to /login."""
    return [AuthState.forget_me, browser_events.script(SIGN_OUT_JS)]


def sign_out_everywhere() -> list:
    """Clear this tab's state, then revoke every session of the user and go to /login."""
    return [AuthState.forget_me, browser_events.script(SIGN_OUT_EVERYWHERE_JS)]
