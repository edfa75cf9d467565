"""Users' email addresses: optional, and only confirmed ones get mail.

A user asks for an address (preferences page or `PUT /api/email/address`): it is kept as
`pending_email` and a signed, expiring confirmation link goes there; mail keeps going to the
old confirmed address, if any, until the link is opened. The CLI (`create-user --email`) is
the operator's word and sets a confirmed address directly. Data functions take `session=`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from notification_center.auth.rate_limit import RateLimited, get_confirm_mail_rate_limiter
from notification_center.db import session_scope
from notification_center.mail import message, sender, tokens
from notification_center.models import User, utcnow
from notification_center.settings import get_settings

MAX_LENGTH = 254  # RFC 5321's path limit
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")


class AddressError(ValueError):
    """Refused input or state; nothing stored. `field` names the part; `status` the HTTP answer."""

    def __init__(self, text: str, field: str = "email", status: int = 422, retry_after: int | None = None) -> None:
        super().__init__(text)
        self.message, self.field, self.status, self.retry_after = text, field, status, retry_after


def check_address(value: object) -> str:
    """A plain `local@domain.tld` address (no display name, no spaces), domain lowercased."""
    if not isinstance(value, str) or not value.strip():
        raise AddressError("email: must be an email address like name@example.com")
    address = value.strip()
    if len(address) > MAX_LENGTH:
        raise AddressError(f"email: at most {MAX_LENGTH} characters")
    if not _ADDRESS.fullmatch(address) or len(address.partition("@")[0]) > 64:
        raise AddressError("email: must be an email address like name@example.com")
    local, _, domain = address.partition("@")
    return f"{local}@{domain.lower()}"


def wire(user: User) -> dict[str, Any]:
    """`email` (the address on file: the one waiting for confirmation, else the confirmed one),
    `emailVerified` (whether that one is confirmed), `emailPending` (awaiting confirmation)."""
    return {
        "email": user.pending_email or user.email,
        "emailVerified": user.pending_email is None and user.email is not None,
        "emailPending": user.pending_email,
    }


def set_confirmed(*, session: Session, user: User, address: str | None) -> None:
    """The operator's word (CLI): this address is the user's, confirmed (None removes it)."""
    user.email = check_address(address) if address else None
    user.email_verified_at = utcnow() if address else None
    user.pending_email = None
    session.add(user)
    session.flush()


@dataclass(frozen=True)
class Requested:
    user_id: str
    username: str
    address: str
    already_confirmed: bool


def request(*, session: Session, user_id: str, address: str) -> Requested:
    """Keep `address` as the user's pending one (or drop the pending one if it is the
    confirmed address already)."""
    address = check_address(address)
    user = session.get(User, user_id)
    if user is None:
        raise AddressError("no such user", "user", 404)
    same = user.email is not None and user.email.lower() == address.lower()
    user.pending_email = None if same else address
    session.add(user)
    session.flush()
    return Requested(user.id, user.username, address, same)


def confirm(*, session: Session, token: str) -> User | None:
    """Open a confirmation link: the pending address it names becomes the confirmed one.
    None for a forged or expired token, or one for an address no longer pending (replaced
    by a newer request). Opening it again after success is harmless (still confirmed)."""
    found = tokens.read_confirm_token(token)
    if found is None:
        return None
    user_id, address = found
    user = session.get(User, user_id)
    if user is None:
        return None
    if user.pending_email == address:
        user.email, user.email_verified_at, user.pending_email = address, utcnow(), None
        session.add(user)
        session.flush()
        return user
    return user if user.email == address else None


def confirmed_addresses(*, session: Session, user_ids: Sequence[str]) -> dict[str, str]:
    """user id -> confirmed address, for those of `user_ids` that have one."""
    found: dict[str, str] = {}
    ordered = sorted(set(user_ids))
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(User.id, User.email).where(col(User.id).in_(chunk), col(User.email).is_not(None))
        found.update({uid: email for uid, email in session.exec(query) if email})
    return found


def _in_session(fn: Any, **kwargs: Any) -> Any:
    with session_scope() as session:
        return fn(session=session, **kwargs)


def confirm_link(user_id: str, address: str) -> str:
    token = tokens.confirm_token(user_id, address)
    return f"{get_settings().public_url}/api/email/confirm?token={token}"


async def request_async(*, user_id: str, address: str) -> dict[str, Any]:
    """Store the pending address and mail it the confirmation link. AddressError 409 when
    email is not configured; 429 over NC_EMAIL_CONFIRM_RATE_LIMIT (per user); 502 when the SMTP
    server refused the mail (the address stays pending: asking again sends a new link)."""
    settings = get_settings()
    if not settings.email_enabled:
        raise AddressError("email: this server sends no email (NC_SMTP_URL is not set)", "email", 409)
    check_address(address)  # a malformed one is 422 before it counts against the limit
    try:
        await get_confirm_mail_rate_limiter().hit(user_id)
    except RateLimited as limited:
        why = "email: too many address changes; try again later (NC_EMAIL_CONFIRM_RATE_LIMIT)"
        raise AddressError(why, "email", 429, limited.retry_after) from None
    requested = await run_in_threadpool(_in_session, request, user_id=user_id, address=address)
    if not requested.already_confirmed:
        mail = message.confirm_message(
            to=requested.address,
            mail_from=settings.mail_from,
            link=confirm_link(requested.user_id, requested.address),
            username=requested.username,
            hours=settings.email_confirm_ttl_seconds / 3600,
        )
        outcome = await sender.send(mail)
        if not outcome.ok:
            raise AddressError(f"email: the confirmation mail could not be sent: {outcome.error}", "email", 502)
    return await run_in_threadpool(_in_session, lambda session: wire(session.get(User, user_id)))


async def confirm_async(token: str) -> dict[str, Any] | None:
    def run(session: Session) -> dict[str, Any] | None:
        user = confirm(session=session, token=token)
        return {"username": user.username, **wire(user)} if user else None

    return await run_in_threadpool(_in_session, run)


async def current_async(*, user_id: str) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        user = session.get(User, user_id)
        return wire(user) if user else {"email": None, "emailVerified": False, "emailPending": None}

    return await run_in_threadpool(_in_session, run)


async def remove_async(*, user_id: str) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        user = session.get(User, user_id)
        if user is None:
            return {"email": None, "emailVerified": False, "emailPending": None}
        set_confirmed(session=session, user=user, address=None)
        return wire(user)

    return await run_in_threadpool(_in_session, run)
