"""User accounts: create or update, authenticate, look up by username."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from notification_center.auth.host_tokens import HostIdentity
from notification_center.auth.passwords import hash_password, verify_password
from notification_center.auth.sessions import revoke_user_sessions
from notification_center.models import Role, User

USERNAME_MAX = 64
PASSWORD_MIN = 8
# A host app's user has no password here: this is not an argon2 hash, so none ever matches.
NO_PASSWORD = "!host-identity"


class UserInputError(ValueError):
    """A username, password or role that cannot be accepted."""


def validate_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > USERNAME_MAX:
        raise UserInputError(f"username must be 1-{USERNAME_MAX} characters")
    if not all(ch.isalnum() or ch in "._-" for ch in name):
        raise UserInputError("username may contain only letters, digits, '.', '_' and '-'")
    if name.lower() == "all":
        raise UserInputError("'all' is reserved (it addresses every user)")
    return name


@dataclass
class SavedUser:
    user: User
    created: bool
    password_changed: bool = False
    # Sessions ended because an existing user's password changed.
    revoked_session_ids: list[str] = field(default_factory=list)


def upsert_user(*, session: Session, username: str, password: str, role: str = Role.USER) -> User:
    """Create the user, or update password and role of an existing one (idempotent)."""
    return save_user(session=session, username=username, password=password, role=role).user


def save_user(*, session: Session, username: str, password: str, role: str = Role.USER) -> SavedUser:
    """`upsert_user`, telling what happened. Changing the password of an existing user
    revokes all of their sessions: whoever knew the old password must sign in again. (A
    role change alone keeps them: every page and route checks the role on each use.)"""
    name = validate_username(username)
    if len(password) < PASSWORD_MIN:
        raise UserInputError(f"password must be at least {PASSWORD_MIN} characters")
    if role not in (Role.USER, Role.OPERATOR):
        raise UserInputError("role must be 'user' or 'operator'")
    user = get_user_by_username(session=session, username=name)
    if user is None:
        user = User(username=name, password_hash=hash_password(password), role=str(role))
        session.add(user)
        session.flush()
        return SavedUser(user, created=True)
    changed = not verify_password(user.password_hash, password)
    user.password_hash = hash_password(password)
    user.role = str(role)
    session.add(user)
    revoked = revoke_user_sessions(session=session, user_id=user.id) if changed else []
    session.flush()
    return SavedUser(user, created=False, password_changed=changed, revoked_session_ids=revoked)


def get_user_by_username(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_user_by_external_id(*, session: Session, external_id: str) -> User | None:
    """The user a host app knows by `external_id` (host identity), if they were seen."""
    return session.exec(select(User).where(col(User.external_id) == external_id)).first()


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The user if the password matches; None otherwise, in the same time either way."""
    user = get_user_by_username(session=session, username=username)
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user else None


def count_users(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def usernames_by_id(*, session: Session, user_ids: list[str]) -> dict[str, str]:
    """Usernames of the given user ids (unknown ids are left out)."""
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.username).where(col(User.id).in_(user_ids)))
    return dict(rows.all())


def _host_username(session: Session, external_id: str) -> str:
    """The host's id itself when it is a valid username nobody has; else `h-` and a digest of it
    (an id like `auth0|5f3a` or an address), so a host user never takes a local user's name."""
    try:
        name = validate_username(external_id)
    except UserInputError:
        name = ""
    if name and get_user_by_username(session=session, username=name) is None:
        return name
    return "h-" + hashlib.sha256(external_id.encode()).hexdigest()[:20]


def sign_in_host_user(*, session: Session, identity: HostIdentity) -> User:
    """The user the host vouched for, created on first sight (keyed by the host's id); their
    role and display name follow the host's latest token."""
    user = get_user_by_external_id(session=session, external_id=identity.external_id)
    if user is None:
        user = User(
            username=_host_username(session, identity.external_id),
            password_hash=NO_PASSWORD,
            role=identity.role,
            external_id=identity.external_id,
            display_name=identity.display_name,
        )
    else:
        user.role, user.display_name = identity.role, identity.display_name
    session.add(user)
    session.flush()
    return user
