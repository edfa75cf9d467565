"""The one-click unsubscribe behind every notification mail's List-Unsubscribe (RFC 8058):
the signed token names a user and the categories of that mail; using it turns their `email`
preference to "never", without signing in. Critical categories cannot be turned off (they
are listed as kept). Using a token again changes nothing more and still succeeds."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.mail import tokens
from notification_center.models import Category, User
from notification_center.preferences import service as preferences


def _categories(session: Session, token: str) -> tuple[str, list[Category]] | None:
    found = tokens.read_unsubscribe_token(token)
    if found is None:
        return None
    user_id, slugs = found
    if session.get(User, user_id) is None:
        return None
    rows = list(session.exec(select(Category).where(col(Category.slug).in_(slugs[:50]))))
    return user_id, sorted(rows, key=lambda c: c.slug)


def _describe(token: str) -> list[str] | None:
    with session_scope() as session:
        found = _categories(session, token)
        return [c.name for c in found[1]] if found else None


async def describe_async(token: str) -> list[str] | None:
    """The names of the categories the token would turn off, or None if it is not valid."""
    return await run_in_threadpool(_describe, token)


def _plan(token: str) -> tuple[str, list[str], list[str]] | None:
    with session_scope() as session:
        found = _categories(session, token)
        if found is None:
            return None
        user_id, rows = found
        return user_id, [c.slug for c in rows if not c.critical], [c.slug for c in rows if c.critical]


async def apply_async(token: str) -> dict[str, Any] | None:
    """`{"unsubscribed": [...], "kept": [...]}`, or None for a forged or damaged token.
    Saved through preferences.save, so the user's open tabs see the change at once."""
    plan = await run_in_threadpool(_plan, token)
    if plan is None:
        return None
    user_id, off, kept = plan
    if off:
        await preferences.save(user_id=user_id, changes={slug: {"email": "never"} for slug in off})
    return {"unsubscribed": off, "kept": kept}
