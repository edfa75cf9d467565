"""Create, list, revoke and check API keys.

A key reads `nck_<id>_<secret>`: the id finds the row by primary key, the secret is 32
random bytes (256 bits) and only its SHA-256 is stored. A plain, fast hash is enough here,
unlike for passwords: slow hashes (argon2) exist because people choose guessable
passwords, which a stolen hash lets an attacker try by the billion. A 256-bit random
secret has nothing to guess; inverting SHA-256 for it is out of reach at any speed. And a
fast hash keeps checking a key on every request cheap. The comparison is constant-time.

`lastUsedAt` is written when it is older than LAST_USED_RESOLUTION: at most one UPDATE per
key per minute (the row is read anyway to check the key), not one per request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from notification_center.audit import service as audit
from notification_center.models import ApiKey, utcnow
from notification_center.timefmt import iso_ms

PREFIX = "nck_"
NAME_MAX = 100
LAST_USED_RESOLUTION = timedelta(seconds=60)
# A key meant to outlive this is meant to never expire (null); the bound also keeps times
# far enough from datetime's limits that converting them cannot overflow.
MAX_LIFETIME = timedelta(days=5 * 365)
_KEY_RE = re.compile(r"nck_(key_[0-9a-f]{24})_([A-Za-z0-9_-]{43})")


class KeyInputError(ValueError):
    """A key name or expiry that cannot be accepted; `field` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class KeyAuthError(Exception):
    """The presented key does not authenticate (unknown, malformed, revoked or expired)."""


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str  # the whole key string; shown once, never stored


@dataclass(frozen=True)
class KeyIdentity:
    """What a checked key acts as."""

    id: str
    name: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _as_aware(value: datetime | None) -> datetime | None:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def validate_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > NAME_MAX:
        raise KeyInputError(f"name: must be 1-{NAME_MAX} characters", "name")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        raise KeyInputError("name: must not contain control characters", "name")
    return cleaned


def create_key(
    *, session: Session, name: str, actor: audit.Actor, expires_at: datetime | None = None, ip: str | None = None
) -> CreatedKey:
    """A new key; the returned `secret` is the only time the key string exists in full."""
    cleaned = validate_name(name)
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise KeyInputError("expiresAt: must include a time zone (e.g. 2030-01-01T00:00:00Z)", "expiresAt")
        if expires_at <= utcnow():
            raise KeyInputError("expiresAt: must be in the future", "expiresAt")
        if expires_at > utcnow() + MAX_LIFETIME:
            raise KeyInputError("expiresAt: must be at most 5 years ahead (or null: never)", "expiresAt")
        # SQLite keeps a datetime's clock time and drops its offset: store UTC, always.
        expires_at = expires_at.astimezone(UTC)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        name=cleaned,
        secret_hash=_hash(secret),
        created_by=actor.id if actor.type == "user" else None,
        expires_at=expires_at,
    )
    session.add(key)
    audit.record(session=session, action=audit.Action.KEY_CREATED, actor=actor, target=f"{key.name} ({key.id})", ip=ip)
    session.flush()
    return CreatedKey(key, f"{PREFIX}{key.id}_{secret}")


def list_keys(*, session: Session) -> list[ApiKey]:
    """Every key, newest first (revoked and expired ones too: the console shows their state)."""
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.created_at).desc(), col(ApiKey.id))))


def revoke_key(*, session: Session, key_id: str, actor: audit.Actor, ip: str | None = None) -> ApiKey | None:
    """Revoke a key (idempotent: revoking it again changes and records nothing); None if unknown."""
    key = session.get(ApiKey, key_id)
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        audit.record(
            session=session, action=audit.Action.KEY_REVOKED, actor=actor, target=f"{key.name} ({key.id})", ip=ip
        )
    return key


def authenticate_key(*, session: Session, presented: str) -> KeyIdentity:
    """The key a bearer token names, if it is live; raises KeyAuthError saying why not."""
    match = _KEY_RE.fullmatch(presented.strip())
    if match is None:
        raise KeyAuthError("malformed API key")
    key = session.get(ApiKey, match.group(1))
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(match.group(2))):
        raise KeyAuthError("unknown API key")
    now = utcnow()
    if key.revoked_at is not None:
        raise KeyAuthError("this API key was revoked")
    expires_at = _as_aware(key.expires_at)
    if expires_at is not None and expires_at <= now:
        raise KeyAuthError("this API key has expired")
    last_used = _as_aware(key.last_used_at)
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.add(key)
    return KeyIdentity(key.id, key.name)


def key_state(key: ApiKey, now: datetime | None = None) -> str:
    """active | expired | revoked"""
    if key.revoked_at is not None:
        return "revoked"
    expires_at = _as_aware(key.expires_at)
    return "expired" if expires_at is not None and expires_at <= (now or utcnow()) else "active"


def to_wire(key: ApiKey) -> dict[str, Any]:
    """A key as the API shows it: never the secret nor its hash."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": f"{PREFIX}{key.id}_",
        "state": key_state(key),
        "createdAt": iso_ms(key.created_at),
        "expiresAt": iso_ms(key.expires_at) if key.expires_at else None,
        "revokedAt": iso_ms(key.revoked_at) if key.revoked_at else None,
        "lastUsedAt": iso_ms(key.last_used_at) if key.last_used_at else None,
    }
