"""Which of a user's notifications each view shows, and so what the badges count.

The one place that says it: the list, the counts, the stream's replay and the bulk
actions all build their WHERE clauses from these, so a badge can never count a row the
list would not show (the drift Novu's users report).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import col

from notification_center.models import Notification
from notification_center.notifications.states import State


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


def snoozed(now: datetime) -> ColumnElement[bool]:
    """Not deleted, not expired, snoozed ahead of now (archived or not: snoozed comes first)."""
    return and_(
        col(Notification.deleted_at).is_(None),
        col(Notification.snoozed_until) > now,
        or_(col(Notification.expires_at).is_(None), col(Notification.expires_at) > now),
    )


def expired(now: datetime) -> ColumnElement[bool]:
    """Not deleted, and its expiry has passed."""
    return and_(col(Notification.deleted_at).is_(None), col(Notification.expires_at) <= now)


def in_states(states: Collection[State], now: datetime) -> ColumnElement[bool]:
    """Rows in any of these states (notifications/states.py): the scope an action applies in."""
    clauses = {
        State.INBOX: in_inbox,
        State.SNOOZED: snoozed,
        State.ARCHIVED: in_archive,
        State.EXPIRED: expired,
        State.DELETED: lambda _now: col(Notification.deleted_at).is_not(None),
    }
    return or_(false(), *(clauses[state](now) for state in State if state in states))
