"""Writing and reading audit events.

Writers call `record()` inside the unit of work that does the audited thing (one INSERT,
committed or rolled back with it), so the log never claims a send that did not happen and
costs the hot path one statement, no extra round trip to another thread or connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from notification_center.models import AuditEvent, utcnow
from notification_center.timefmt import iso_ms


class Action(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    KEY_CREATED = "key_created"
    KEY_REVOKED = "key_revoked"
    NOTIFICATION_SENT = "notification_sent"
    SEND_SCHEDULED = "send_scheduled"
    SEND_CANCELLED = "send_cancelled"
    CATEGORY_CREATED = "category_created"
    CATEGORY_CHANGED = "category_changed"


@dataclass(frozen=True)
class Actor:
    """Who acted: a signed-in user, an API key, the command line, or nobody known."""

    type: str  # user | key | cli | anonymous
    id: str | None
    name: str

    @classmethod
    def user(cls, user_id: str, username: str) -> Actor:
        return cls("user", user_id, username)

    @classmethod
    def key(cls, key_id: str, name: str) -> Actor:
        return cls("key", key_id, name)


CLI = Actor("cli", None, "command line")

# Column sizes (models.AuditEvent): attacker-chosen text (a failed sign-in's username) is cut.
_LIMITS = {"actor_name": 100, "target": 200, "detail": 500, "ip": 64}


def record(
    *, session: Session, action: Action, actor: Actor, target: str = "", detail: str = "", ip: str | None = None
) -> None:
    """Add one audit event to the caller's unit of work."""
    session.add(
        AuditEvent(
            at=utcnow(),
            action=action.value,
            actor_type=actor.type,
            actor_id=actor.id,
            actor_name=actor.name[: _LIMITS["actor_name"]],
            target=target[: _LIMITS["target"]],
            detail=detail[: _LIMITS["detail"]],
            ip=ip[: _LIMITS["ip"]] if ip else None,
        )
    )


@dataclass
class AuditPage:
    items: list[AuditEvent]
    next_cursor: str | None


def parse_cursor(raw: str) -> int | None:
    """A page cursor (an event id) as given back by `list_page`, or None if malformed."""
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18 else None


def list_page(*, session: Session, limit: int, before: int | None = None) -> AuditPage:
    """Events newest first, `limit` at a time; `before` is the previous page's cursor."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit + 1)
    if before is not None:
        query = query.where(col(AuditEvent.id) < before)
    rows = list(session.exec(query))
    more = len(rows) > limit
    items = rows[:limit]
    return AuditPage(items, str(items[-1].id) if more and items else None)


def iter_all(*, session: Session, batch: int = 1000):
    """Every event newest first, read `batch` rows at a time (for the CSV export)."""
    before = None
    while True:
        page = list_page(session=session, limit=batch, before=before)
        yield from page.items
        if page.next_cursor is None:
            return
        before = int(page.next_cursor)


def to_wire(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": iso_ms(event.at),
        "action": event.action,
        "actorType": event.actor_type,
        "actorId": event.actor_id,
        "actor": event.actor_name,
        "target": event.target,
        "detail": event.detail,
        "ip": event.ip,
    }
