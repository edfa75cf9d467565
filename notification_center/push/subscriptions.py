"""Push subscriptions: a browser's `PushSubscription`, checked, stored per user, listed and
removed by its owner only. Data functions take `session=`; routes call the async wrappers."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import PushSubscription, utcnow
from notification_center.timefmt import iso_ms

MAX_ENDPOINT_LENGTH = 1024
_ID = re.compile(r"push_[0-9a-f]{24}")


def is_subscription_id(value: str) -> bool:
    """One of ours (`models.new_public_id`): anything else is not looked up at all."""
    return _ID.fullmatch(value) is not None


class SubscriptionError(ValueError):
    """Refused input; nothing stored. `field` names the part; `status` the HTTP answer."""

    def __init__(self, message: str, field: str, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _b64url(value: str, field: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise SubscriptionError(f"{field}: must be base64url", field) from None


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """`allowed` entries: "host" exactly, ".domain" any host below it; none: every host."""
    host = host.lower().rstrip(".")
    return not allowed or any(host == a or (a.startswith(".") and host.endswith(a)) for a in allowed)


def check_endpoint(endpoint: str, allowed_hosts: Sequence[str] = ()) -> str:
    """An https URL with a host (one of `allowed_hosts` when there are any), no credentials,
    at most MAX_ENDPOINT_LENGTH characters."""
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise SubscriptionError(f"endpoint: at most {MAX_ENDPOINT_LENGTH} characters", "endpoint")
    try:
        parts = urlsplit(endpoint)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if not port_ok or parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise SubscriptionError("endpoint: must be an https URL of a push service", "endpoint")
    if any(ch.isspace() or ord(ch) < 32 for ch in endpoint):
        raise SubscriptionError("endpoint: must not contain spaces or control characters", "endpoint")
    if not host_allowed(parts.hostname, allowed_hosts):
        raise SubscriptionError("endpoint: not a push service this server sends to (NC_PUSH_ALLOWED_HOSTS)", "endpoint")
    return endpoint


def check_keys(p256dh: str, auth: str) -> None:
    """p256dh: an uncompressed P-256 point (65 bytes, on the curve); auth: 16 bytes."""
    from cryptography.hazmat.primitives.asymmetric import ec

    point = _b64url(p256dh, "keys.p256dh")
    try:
        if len(point) != 65:
            raise ValueError
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise SubscriptionError(
            "keys.p256dh: must be a P-256 public key (65 bytes, base64url)", "keys.p256dh"
        ) from None
    if len(_b64url(auth, "keys.auth")) != 16:
        raise SubscriptionError("keys.auth: must be 16 bytes (base64url)", "keys.auth")


@dataclass(frozen=True)
class Saved:
    subscription: dict[str, Any]
    created: bool


def to_wire(row: PushSubscription) -> dict[str, Any]:
    """What the owner sees: the endpoint identifies the browser; the keys are not echoed."""
    return {
        "id": row.id,
        "endpoint": row.endpoint,
        "userAgent": row.user_agent,
        "createdAt": iso_ms(row.created_at),
        "updatedAt": iso_ms(row.updated_at),
    }


def save(
    *,
    session: Session,
    user_id: str,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str,
    limit: int,
    allowed_hosts: Sequence[str] = (),
) -> Saved:
    """Store (or, for an endpoint already known, update and take over) a subscription.
    A browser subscribes once per push service endpoint: the same endpoint posted again,
    by this user or by whoever signs in on that browser now, is one row."""
    check_endpoint(endpoint, allowed_hosts)
    check_keys(p256dh, auth)
    now = utcnow()
    row = session.exec(select(PushSubscription).where(col(PushSubscription.endpoint) == endpoint)).one_or_none()
    created = row is None
    if row is None:
        held = session.exec(
            select(func.count()).select_from(PushSubscription).where(col(PushSubscription.user_id) == user_id)
        ).one()
        if held >= limit:
            raise SubscriptionError(f"endpoint: at most {limit} browsers per user; remove one first", "endpoint", 409)
        row = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    row.user_id, row.p256dh, row.auth, row.user_agent, row.updated_at = user_id, p256dh, auth, user_agent[:256], now
    session.add(row)
    session.flush()
    return Saved(to_wire(row), created)


def list_for(*, session: Session, user_id: str) -> list[dict[str, Any]]:
    query = select(PushSubscription).where(col(PushSubscription.user_id) == user_id)
    return [to_wire(r) for r in session.exec(query.order_by(col(PushSubscription.created_at)))]


def remove(*, session: Session, user_id: str, subscription_id: str) -> bool:
    """Delete one of the user's subscriptions; False if there is none of theirs by that id."""
    result = session.execute(
        delete(PushSubscription).where(
            col(PushSubscription.id) == subscription_id, col(PushSubscription.user_id) == user_id
        )
    )
    return bool(result.rowcount)


def for_users(*, session: Session, user_ids: Sequence[str]) -> dict[str, list[PushSubscription]]:
    found: dict[str, list[PushSubscription]] = {}
    for start in range(0, len(user_ids), 500):
        chunk = list(user_ids[start : start + 500])
        for row in session.exec(select(PushSubscription).where(col(PushSubscription.user_id).in_(chunk))):
            found.setdefault(row.user_id, []).append(row)
    return found


def users_with_subscriptions(*, session: Session, user_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(set(user_ids))
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(PushSubscription.user_id).where(col(PushSubscription.user_id).in_(chunk)).distinct()
        found.update(session.exec(query))
    return found


def forget(*, session: Session, ids: Sequence[str]) -> None:
    if ids:
        session.execute(delete(PushSubscription).where(col(PushSubscription.id).in_(list(ids))))


def _in_session(fn: Any, **kwargs: Any) -> Any:
    with session_scope() as session:
        return fn(session=session, **kwargs)


async def save_async(**kwargs: Any) -> Saved:
    try:
        return await run_in_threadpool(_in_session, save, **kwargs)
    except IntegrityError:  # the same new endpoint posted twice at once: the second updates it
        return await run_in_threadpool(_in_session, save, **kwargs)


async def list_async(*, user_id: str) -> list[dict[str, Any]]:
    return await run_in_threadpool(_in_session, list_for, user_id=user_id)


async def remove_async(*, user_id: str, subscription_id: str) -> bool:
    return await run_in_threadpool(_in_session, remove, user_id=user_id, subscription_id=subscription_id)
