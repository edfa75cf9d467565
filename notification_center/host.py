"""What a host app's Python backend calls to let its signed-in users into the notification
center without a second sign-in (issue 19; README "Host identity").

In the same Reflex app, `install(app, identify=...)` (mount.py) is all it takes: the
`identify` callable names the host's signed-in user from the page's state, and the bell's
page load signs that user in here (and out again when the host says nobody is).

From a backend elsewhere (or another language), hand the page a token instead:

    token = host.user_token(current_user.id, name=current_user.name)   # the page posts it
    await host.sign_out(current_user.id)                               # when they sign out

Tokens are HS256 JWTs signed with NC_HOST_TOKEN_SECRET, the secret shared with the
notification center; with `identify` installed and no such secret, a secret derived from
the app's own secret key signs the tokens the page exchanges (nobody outside knows it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from notification_center.auth import host_tokens
from notification_center.auth.sessions import revoke_user_sessions
from notification_center.auth.users import get_user_by_external_id, sign_in_host_user
from notification_center.channels.in_app import get_in_app_channel_handler
from notification_center.db import session_scope
from notification_center.models import Role
from notification_center.notifications.service import Draft
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.settings import get_settings


@dataclass(frozen=True)
class HostUser:
    """The host's signed-in user, as `identify` names them."""

    id: str  # the host's own id for the user (the token's `sub`)
    name: str | None = None
    role: str = Role.USER.value


# `identify(state)`: called with the page's notification-center state (any Reflex state can
# `await state.get_state(HostState)`); the host's user, or None when nobody is signed in.
Identify = Callable[[Any], Awaitable[HostUser | None]]


@dataclass
class _Mounted:
    identify: Identify | None = None
    login_route: str | None = None  # where signed-out visitors go instead of /login


_mounted = _Mounted()


def configure(*, identify: Identify | None, login_route: str | None) -> None:
    """Called by `install`: how this process learns who the host's user is."""
    _mounted.identify = identify
    _mounted.login_route = login_route


def identify_hook() -> Identify | None:
    return _mounted.identify


def login_route() -> str | None:
    return _mounted.login_route


def signing_secret() -> str | None:
    """The secret host tokens are signed with: NC_HOST_TOKEN_SECRET, else (with `identify`
    installed) one derived from the secret key; None means host sign-in is off."""
    settings = get_settings()
    if settings.host_token_secret is not None or _mounted.identify is None:
        return settings.host_token_secret
    return hmac.new(settings.secret_key.encode(), b"notification-center host identity", hashlib.sha256).hexdigest()


def _secret() -> str:
    secret = signing_secret()
    if secret is None:
        raise RuntimeError("host identity needs NC_HOST_TOKEN_SECRET (the secret shared with the notification center)")
    return secret


def user_token(user_id: str, *, name: str | None = None, role: str = Role.USER.value, ttl_seconds: int = 300) -> str:
    """A short-lived token vouching that `user_id` (the host's own id) is signed in; the page
    posts it to /api/auth/host."""
    return host_tokens.mint(user_id, secret=_secret(), name=name, role=role, ttl_seconds=ttl_seconds)


def sign_out_token(user_id: str, *, ttl_seconds: int = 60) -> str:
    """A token for POST /api/auth/host/sign-out (for a host backend that calls it over HTTP)."""
    return host_tokens.mint(user_id, secret=_secret(), ttl_seconds=ttl_seconds, use=host_tokens.SIGN_OUT)


def _revoke(external_id: str) -> tuple[str, list[str]] | None:
    with session_scope() as session:
        user = get_user_by_external_id(session=session, external_id=external_id)
        if user is None:
            return None
        return user.id, revoke_user_sessions(session=session, user_id=user.id)


async def sign_out(user_id: str) -> int:
    """The host's user signed out of the host: end every session and stream they have here
    (on every worker and node, at once). Returns how many sessions ended."""
    revoked = await run_in_threadpool(_revoke, user_id)
    if revoked is None:
        return 0
    internal_id, session_ids = revoked
    await get_notification_broadcaster().publish_revoked(internal_id, session_ids)
    return len(session_ids)


def _users_of(external_ids: list[str]) -> list[str]:
    """Internal ids of the host's users, each created on first sight (a notification may reach
    someone before their first visit: it waits in their inbox). Existing users keep the role
    and name their last sign-in gave them."""
    with session_scope() as session:
        internal = []
        for external_id in external_ids:
            user = get_user_by_external_id(session=session, external_id=external_id)
            if user is None:
                identity = host_tokens.HostIdentity(external_id, None, Role.USER.value)
                user = sign_in_host_user(session=session, identity=identity)
            internal.append(user.id)
        return internal


async def notify(user_ids: str | list[str], draft: Draft) -> list[dict[str, Any]]:
    """Send `draft` to the host's users (the host's own ids): persisted, then live on every
    open tab of theirs. Returns the created rows."""
    external_ids = [user_ids] if isinstance(user_ids, str) else list(user_ids)
    for external_id in external_ids:
        host_tokens.check_subject(external_id)
    internal = await run_in_threadpool(_users_of, external_ids)
    return await get_in_app_channel_handler().deliver_many(draft, internal)
