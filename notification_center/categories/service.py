"""Category data functions: list, create or update, check a send's category, and the
per-category unread counts of the inbox tabs. Routes, sending and UI state call these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from notification_center.audit import service as audit
from notification_center.models import Category, Notification, utcnow
from notification_center.notifications import visibility

SLUG_PATTERN = r"[a-z0-9][a-z0-9_-]{0,31}"
NAME_MAX = 64
DESCRIPTION_MAX = 500
DEFAULT = "general"
# Always critical: users must hear about sign-ins and key changes, whatever they mute.
ALWAYS_CRITICAL = frozenset({"security"})


class UnknownCategoryError(LookupError):
    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


class CategoryRuleError(ValueError):
    """A category change that breaks a rule (e.g. making `security` mutable)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CategoryInfo:
    slug: str
    name: str
    description: str
    critical: bool
    # Email: the "if unread after N minutes" delay of users who chose none (mail/channel.py).
    email_delay_minutes: float = 15.0

    def to_wire(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "critical": self.critical,
            "emailDelayMinutes": self.email_delay_minutes,
        }


def is_slug(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(SLUG_PATTERN, value) is not None


def _info(row: Category) -> CategoryInfo:
    return CategoryInfo(row.slug, row.name, row.description, row.critical, row.email_delay_minutes)


def list_categories(*, session: Session) -> list[CategoryInfo]:
    """Every category, `general` first, then by name: the order of the inbox tabs."""
    rows = session.exec(select(Category)).all()
    return sorted((_info(r) for r in rows), key=lambda c: (c.slug != DEFAULT, c.name.lower(), c.slug))


def require_category(*, session: Session, slug: str) -> CategoryInfo:
    """The category, or UnknownCategoryError: a send may only use defined categories."""
    row = session.get(Category, slug) if is_slug(slug) else None
    if row is None:
        raise UnknownCategoryError(slug)
    return _info(row)


def check_fields(*, slug: str, name: str, description: str) -> None:
    """The first broken field rule as a CategoryRuleError (the same limits as the table)."""
    if not is_slug(slug):
        raise CategoryRuleError("slug: 1-32 lowercase letters, digits, - or _, starting with a letter or digit", "slug")
    if not name.strip():
        raise CategoryRuleError("name: must not be blank", "name")
    if len(name) > NAME_MAX:
        raise CategoryRuleError(f"name: at most {NAME_MAX} characters", "name")
    if len(description) > DESCRIPTION_MAX:
        raise CategoryRuleError(f"description: at most {DESCRIPTION_MAX} characters", "description")


def save_category(
    *,
    session: Session,
    slug: str,
    name: str,
    description: str,
    critical: bool,
    actor: audit.Actor | None = None,
    ip: str | None = None,
    email_delay_minutes: float | None = None,
) -> tuple[CategoryInfo, bool]:
    """Create or update a category; returns it and whether it was created. With an `actor`
    (an operator, the API) the change goes to the audit log in the same transaction.

    The rules are checked here, not only by the HTTP body's schema, because the operator
    page calls this directly: a CategoryRuleError names the field, nothing is written."""
    check_fields(slug=slug, name=name, description=description)
    if slug in ALWAYS_CRITICAL and not critical:
        raise CategoryRuleError(f"critical: {slug!r} is always critical", "critical")
    now = utcnow()
    row = session.get(Category, slug)
    if row is None:
        try:
            with session.begin_nested():  # two operators creating one slug at once: one creates
                row = Category(
                    slug=slug, name=name, description=description, critical=critical, created_at=now, updated_at=now
                )
                if email_delay_minutes is not None:
                    row.email_delay_minutes = email_delay_minutes
                session.add(row)
                session.flush()
            _audit(session, audit.Action.CATEGORY_CREATED, row, actor, ip)
            return _info(row), True
        except IntegrityError:
            row = session.get(Category, slug)  # created meanwhile: this save updates it
            if row is None:
                raise
    row.name, row.description, row.critical, row.updated_at = name, description, critical, now
    if email_delay_minutes is not None:
        row.email_delay_minutes = email_delay_minutes
    session.add(row)
    session.flush()
    _audit(session, audit.Action.CATEGORY_CHANGED, row, actor, ip)
    return _info(row), False


def _audit(session: Session, action: audit.Action, row: Category, actor: audit.Actor | None, ip: str | None) -> None:
    if actor is not None:
        detail = "critical (can't be muted)" if row.critical else "users may mute it"
        audit.record(
            session=session, action=action, actor=actor, target=f"{row.name} ({row.slug})", detail=detail, ip=ip
        )


def unread_by_category(*, session: Session, user_id: str) -> dict[str, int]:
    """Unread inbox rows per category, in one grouped COUNT (the same rows the badge counts)."""
    query = (
        select(Notification.category, func.count())
        .where(Notification.user_id == user_id, visibility.in_inbox(utcnow()), visibility.unread())
        .group_by(col(Notification.category))
    )
    return {category: int(count) for category, count in session.exec(query)}
