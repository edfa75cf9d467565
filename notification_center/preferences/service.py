"""Preference data functions: read the user's preferences for every category, change
them (critical categories cannot be muted), and tell every tab of the user.

The REST routes and the /preferences page both call `save`, so the rules and the
`preferences` event (realtime/events.py) exist once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from notification_center.categories import service as categories
from notification_center.db import session_scope
from notification_center.models import Preference, utcnow
from notification_center.preferences.rules import (
    EMAIL_MODES,
    KINDS,
    PUSH_MODES,
    Alerts,
    effective,
    email_delay_problem,
    email_wire,
)
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster


class PreferenceError(ValueError):
    """A change that is refused; nothing was saved. `field` names the offending part."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def read(*, session: Session, user_id: str) -> dict[str, Any]:
    """`{"categories": [...], "preferences": {slug: {"toast","sound","desktop","push","email",
    "emailDelayMinutes"}}}` with every category present (defaults filled in, critical ones all on)."""
    rows = {row.category: row for row in session.exec(select(Preference).where(Preference.user_id == user_id))}
    listed = categories.list_categories(session=session)

    def one(c: categories.CategoryInfo) -> dict[str, Any]:
        row = rows.get(c.slug)
        alerts = Alerts(row.toast, row.sound, row.desktop, row.push) if row else None
        mode, delay = (row.email, row.email_delay_minutes) if row else (None, None)
        email = email_wire(mode, delay, c.critical, c.email_delay_minutes)
        return {**effective(alerts, c.critical).to_wire(), **email}

    return {"categories": [c.to_wire() for c in listed], "preferences": {c.slug: one(c) for c in listed}}


def _ensure_rows(session: Session, user_id: str, slugs: list[str], attempts: int = 3) -> None:
    """Rows (with the defaults) for the user's `slugs` that have none yet. A user's first
    change saved from two tabs at once inserts the same rows twice: the loser's savepoint
    rolls back and it goes on with the rows the winner made."""
    for _ in range(attempts):
        have = set(session.exec(select(Preference.category).where(Preference.user_id == user_id)))
        missing = [slug for slug in slugs if slug not in have]
        if not missing:
            return
        try:
            with session.begin_nested():
                session.add_all(Preference(user_id=user_id, category=slug) for slug in missing)
                session.flush()
            return
        except IntegrityError:
            continue
    raise RuntimeError("preference rows kept changing under this update")


def _check_email(slug: str, change: Mapping[str, Any], critical: bool) -> None:
    email, delay = change.get("email"), change.get("emailDelayMinutes")
    if email is not None and email not in EMAIL_MODES:
        field = f"preferences.{slug}.email"
        raise PreferenceError(f"{field}: must be one of {', '.join(EMAIL_MODES)}", field)
    if critical and email not in (None, "always"):
        message = f"preferences.{slug}.email: a critical category always sends email"
        raise PreferenceError(message, f"preferences.{slug}")
    if delay is not None and (problem := email_delay_problem(delay)):
        field = f"preferences.{slug}.emailDelayMinutes"
        raise PreferenceError(f"{field}: {problem}", field)


def update(*, session: Session, user_id: str, changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Apply `{slug: {kind: bool | None, "push": mode | None, "email": mode | None,
    "emailDelayMinutes": number | None}}` (None or absent keeps the value); all or nothing.

    Unknown categories and turning off anything of a critical one (push "never" included)
    raise PreferenceError."""
    by_slug = {c.slug: c for c in categories.list_categories(session=session)}
    for slug, change in changes.items():
        category = by_slug.get(slug)
        if category is None:
            raise PreferenceError(f"preferences.{slug}: no such category", f"preferences.{slug}")
        push = change.get("push")
        if push is not None and push not in PUSH_MODES:
            raise PreferenceError(
                f"preferences.{slug}.push: must be one of {', '.join(PUSH_MODES)}", f"preferences.{slug}.push"
            )
        _check_email(slug, change, category.critical)
        if category.critical and (any(change.get(kind) is False for kind in KINDS) or push == "never"):
            raise PreferenceError(
                f"preferences.{slug}: {category.name} is critical and can't be muted", f"preferences.{slug}"
            )
    if changes:
        _ensure_rows(session, user_id, list(changes))
        rows = {
            row.category: row
            for row in session.exec(select(Preference).where(Preference.user_id == user_id))
            if row.category in changes
        }
        now = utcnow()
        for slug, change in changes.items():
            row = rows[slug]
            current = Alerts(row.toast, row.sound, row.desktop, row.push)
            wanted = replace(current, **{k: v for k, v in change.items() if k in KINDS and isinstance(v, bool)})
            if change.get("push") in PUSH_MODES:
                wanted = replace(wanted, push=change["push"])
            row.toast, row.sound, row.desktop, row.push = wanted.toast, wanted.sound, wanted.desktop, wanted.push
            if change.get("email") in EMAIL_MODES:
                row.email = change["email"]
            if change.get("emailDelayMinutes") is not None:
                row.email_delay_minutes = float(change["emailDelayMinutes"])
            row.updated_at = now
            session.add(row)
        session.flush()
    return read(session=session, user_id=user_id)


def _read(user_id: str) -> dict[str, Any]:
    with session_scope() as session:
        return read(session=session, user_id=user_id)


def _update(user_id: str, changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    with session_scope() as session:
        return update(session=session, user_id=user_id, changes=changes)


async def load(*, user_id: str) -> dict[str, Any]:
    return await run_in_threadpool(_read, user_id)


async def save(*, user_id: str, changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Save and tell every tab of the user (a `preferences` event with the new map), so
    each one alerts by the new rules at once."""
    result = await run_in_threadpool(_update, user_id, changes)
    if changes:
        await get_notification_broadcaster().publish_user_event(
            user_id, events.PREFERENCES, {"preferences": result["preferences"]}
        )
    return result
