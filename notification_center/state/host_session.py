"""The page's half of host identity (`install(app, identify=...)`): make this tab's
notification-center session belong to the host's signed-in user, and to nobody else.

The session cookie is HttpOnly and set by `POST /api/auth/host`, so the switch is the same
dance as a sign-in (state/auth_state.py): the server hands the page a token minted for the
host's user (valid a minute), the page posts it and loads again so that its websocket
carries the new cookie. A page load that finds the host's user already signed in here does
nothing; the host saying nobody is signed in ends this browser's session.
"""

from __future__ import annotations

import logging
from typing import Any

from reflex.event import EventSpec

from notification_center import host
from notification_center.auth import host_tokens
from notification_center.components import browser_events
from notification_center.state.auth_state import SignedInUser, login_redirect

logger = logging.getLogger(__name__)

TOKEN_TTL_SECONDS = 60

# Runs in the browser. One exchange per 10 s per tab (sessionStorage): a cookie the browser
# refuses to keep (a Secure cookie over plain http, say) must not reload the page forever.
_EXCHANGE_JS = """
(async () => {
  const key = "nc-host-exchange";
  if (Date.now() - Number(sessionStorage.getItem(key) || 0) < 10000) return;
  sessionStorage.setItem(key, String(Date.now()));
  try {
    const response = await fetch("/api/auth/host", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({token: __TOKEN__}),
    });
    if (response.ok) window.location.reload();
  } catch (error) {}
})()
"""

_SIGN_OUT_JS = """
fetch("/api/auth/logout", {method: "POST", credentials: "same-origin"})
  .catch(() => null)
  .finally(() => window.location.reload());
"""


async def step_before(state: Any, user: SignedInUser | None, path: str) -> EventSpec | None:
    """What a page (at `path`) must do before it goes on with `user` (None: it may go on if
    there is a user): in a host app with `identify`, `reconcile`; otherwise a signed-out
    visitor goes to the login page (and back). The event guard, the bell's page loads and
    the stream's error handler all ask this."""
    if host.identify_hook() is not None:
        return await reconcile(state, user)
    return login_redirect(path) if user is None else None


async def reconcile(state: Any, user: SignedInUser | None) -> EventSpec | None:
    """What this page must do so that its session is the host's user's: exchange a token,
    sign out, or nothing (None). Only with `identify` installed."""
    identify = host.identify_hook()
    if identify is None:
        return None
    host_user = await identify(state)
    if host_user is None:
        return browser_events.script(_SIGN_OUT_JS) if user is not None else None
    if user is not None and user.external_id == host_user.id:
        return None
    try:
        host_tokens.check_subject(host_user.id)
        host_tokens.check_role(host_user.role)
    except host_tokens.HostTokenError as exc:  # the host's bug: say so where its developer looks
        logger.error("identify() returned a user this product cannot sign in (%s): %r", exc, host_user)
        return None
    secret = host.signing_secret()
    assert secret is not None  # identify installed: there is always one
    token = host_tokens.mint(
        host_user.id, secret=secret, name=host_user.name, role=host_user.role, ttl_seconds=TOKEN_TTL_SECONDS
    )
    return browser_events.script(_EXCHANGE_JS, token=token)
