"""Which of a user's notifications each view shows, and so what the badges count.

The one place that says it: the list, the counts, the stream's replay and the bulk
actions all build their WHERE clauses from these, so a badge can never count a row the
list would not show (the drift Novu's users report).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from notification_center.models import Notification


def live(now: datetime) -> ColumnElement[bool]:
    """Not deleted, not snoozed, not expired: a row the user can see in some view."""
    return and_(
        col(Notification.deleted_at).is_(None),
        or_(col(Notification.snoozed_until).is_(None), col(Notification.snoozed_until) <= now),
        or_(col(Notification.expires_at).is_(None), col(Notification.expires_at) > now),
    )


def in_inbox(now: datetime) -> ColumnElement[bool]:
    """The inbox (and its badges): live and not archived."""
    return and_(live(now), col(Notification.archived_at).is_(None))


def in_archive(now: datetime) -> ColumnElement[bool]:
    """The "Archived" view: live and archived."""
    return and_(live(now), col(Notification.archived_at).is_not(None))


def unread() -> ColumnElement[bool]:
    return col(Notification.read_at).is_(None)


def unseen() -> ColumnElement[bool]:
    return col(Notification.seen_at).is_(None)
