"""Server-side sign-in sessions: revocable, expiring, referenced by a signed cookie.

The cookie holds a random token signed with NC_SECRET_KEY (itsdangerous), so forged
cookies are rejected before touching the database; the database stores only the token's
SHA-256, so a leaked database does not leak live sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Collection
from datetime import datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import bindparam, delete, or_
from sqlmodel import Session, col, select

from notification_center.db import session_scope
from notification_center.models import AuthSession, User, utcnow
from notification_center.settings import get_settings

COOKIE_NAME = "nc_session"
# With NC_COOKIE_SECURE the browser is told, by the name itself, to accept the cookie only
# over HTTPS, for this exact host (no Domain) and the whole site: a sibling subdomain or a
# plain-HTTP man in the middle cannot plant or overwrite it.
SECURE_COOKIE_NAME = "__Host-nc_session"


def cookie_name() -> str:
    """The session cookie's name: `nc_session`, or `__Host-nc_session` behind HTTPS."""
    return SECURE_COOKIE_NAME if get_settings().cookie_secure else COOKIE_NAME


# How often sign-ins sweep out dead sessions (per process): a full scan is cheap but not free.
PURGE_INTERVAL_SECONDS = 600.0
_next_purge_at = 0.0


def _signer() -> Signer:
    return Signer(get_settings().secret_key, salt="nc-session")


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unsign(cookie_value: str) -> str | None:
    try:
        return _signer().unsign(cookie_value.encode()).decode()
    except (BadSignature, UnicodeError):
        return None


def create_session(*, session: Session, user: User) -> str:
    """Start a session for `user`; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            id=_token_id(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=get_settings().session_ttl_seconds),
        )
    )
    return _signer().sign(token.encode()).decode()


def _as_aware(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def _live_session(session: Session, cookie_value: str | None) -> AuthSession | None:
    token = _unsign(cookie_value) if cookie_value else None
    if token is None:
        return None
    auth = session.get(AuthSession, _token_id(token))
    if auth is None or auth.revoked_at is not None or _as_aware(auth.expires_at) <= utcnow():
        return None
    return auth


def session_key(cookie_value: str | None) -> str | None:
    """The database id of the session a cookie names, without a lookup; None if forged."""
    token = _unsign(cookie_value) if cookie_value else None
    return None if token is None else _token_id(token)


def live_user_ids(*, session: Session, keys: Collection[str]) -> dict[str, str]:
    """The user ids behind live sessions, by the sessions' ids (see `session_key`):
    {session id: user id} of the live ones, one query per 500 (connects that arrive together
    are checked together: api/event_source.py)."""
    found: dict[str, str] = {}
    wanted = list(keys)
    for start in range(0, len(wanted), 500):
        query = select(AuthSession.id, AuthSession.user_id).where(
            col(AuthSession.id).in_(wanted[start : start + 500]),
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > utcnow(),
        )
        found.update((key, user_id) for key, user_id in session.exec(query))
    return found


def live_session_keys(*, session: Session, keys: Collection[str]) -> set[str]:
    """Which of these session ids are neither revoked nor expired (one query per 500)."""
    return set(live_user_ids(session=session, keys=keys))


_LIVE_USER = (
    select(User)
    .join(AuthSession, col(AuthSession.user_id) == col(User.id))
    .where(
        AuthSession.id == bindparam("key"),
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > bindparam("now"),
    )
)


def user_for_cookie(*, session: Session, cookie_value: str | None) -> User | None:
    """The signed-in user behind a cookie, or None if forged, unknown, revoked or expired.

    One prepared query: every API request runs it (was two lookups, 0.7 ms per request)."""
    key = session_key(cookie_value)
    if key is None:
        return None
    return session.exec(_LIVE_USER, params={"key": key, "now": utcnow()}).first()


def revoke_session(*, session: Session, cookie_value: str | None) -> AuthSession | None:
    """Revoke the live session behind the cookie; the revoked row (None if none was live)."""
    auth = _live_session(session, cookie_value)
    if auth is not None:
        auth.revoked_at = utcnow()
        session.add(auth)
    return auth


def revoke_user_sessions(*, session: Session, user_id: str) -> list[str]:
    """Revoke every live session of the user ("sign out everywhere", a password change);
    returns their ids so open streams of exactly those sessions can be ended."""
    now = utcnow()
    rows = session.exec(
        select(AuthSession).where(AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None))
    ).all()
    revoked = [row for row in rows if _as_aware(row.expires_at) > now]
    for row in revoked:
        row.revoked_at = now
        session.add(row)
    return [row.id for row in revoked]


def load_user(cookie_value: str | None) -> User | None:
    """`user_for_cookie` in a unit of work of its own (for routes and UI state)."""
    if not cookie_value:
        return None
    with session_scope() as session:
        return user_for_cookie(session=session, cookie_value=cookie_value)


def purge_stale_sessions(*, session: Session, now: datetime | None = None) -> int:
    """Delete sessions that can never be used again (expired or revoked); returns how many.

    A revoked or expired row only ever answers "not live", exactly as a missing one does,
    so deleting it changes no answer and keeps the table the size of the live sessions.
    """
    cutoff = now or utcnow()
    result = session.execute(
        delete(AuthSession).where(or_(col(AuthSession.expires_at) <= cutoff, col(AuthSession.revoked_at).is_not(None)))
    )
    return int(result.rowcount or 0)


def purge_stale_sessions_if_due(*, session: Session) -> int:
    """`purge_stale_sessions` at most once per PURGE_INTERVAL_SECONDS in this process."""
    global _next_purge_at
    moment = time.monotonic()
    if moment < _next_purge_at:
        return 0
    _next_purge_at = moment + PURGE_INTERVAL_SECONDS
    return purge_stale_sessions(session=session)
