"""What a host app's Python backend calls to let its signed-in users into the notification
center without a second sign-in (issue 19; README "Host identity").

    token = host.user_token(current_user.id, name=current_user.name)   # hand it to the page
    await host.sign_out(current_user.id)                               # when they sign out

Both need NC_HOST_TOKEN_SECRET, the secret shared with the notification center (which may
run in the same process or elsewhere: a host backend in another language signs the same
HS256 JWT with any JWT library, and calls POST /api/auth/host/sign-out).
"""

from __future__ import annotations

from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from notification_center.auth import host_tokens
from notification_center.auth.sessions import revoke_user_sessions
from notification_center.db import session_scope
from notification_center.models import Role, User
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.settings import get_settings


def _secret() -> str:
    secret = get_settings().host_token_secret
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
        user = session.exec(select(User).where(col(User.external_id) == external_id)).first()
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
