"""Which action applies to a notification in which state: the one table (issue 20).

A row is in exactly one state, taken in this order: deleted, expired, snoozed, archived,
inbox (a grouped row is simply a row, in one of them). Every action is, per state, either
applied (a transition, or already so: idempotent, 200 with the row and no event) or
refused with one HTTP status and a message that names the state. Routes, bulk actions and
the UI all go through the service functions, which ask `decide` and build their SQL scope
from `states_where`, so a cell exists once. Pure: no database, no clock of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from notification_center.timefmt import iso_ms


class State(StrEnum):
    INBOX = "inbox"
    SNOOZED = "snoozed"
    ARCHIVED = "archived"
    EXPIRED = "expired"
    DELETED = "deleted"


class Act(StrEnum):
    READ = "read"
    UNREAD = "unread"
    SEEN = "seen"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    SNOOZE = "snooze"
    UNSNOOZE = "unsnooze"
    DELETE = "delete"
    ACTION = "action"


@dataclass(frozen=True)
class Apply:
    """The action applies: `note` says what it does in this state (the README shows it)."""

    note: str
    ends_snooze: bool = False  # the transition also clears `snoozed_until`


@dataclass(frozen=True)
class Refuse:
    """The action is refused: `status` and a message template (`{id}`, `{at}`)."""

    status: int
    template: str


Cell = Apply | Refuse


@dataclass(frozen=True)
class Refusal:
    """A refusal for one row: what the route answers."""

    status: int
    message: str


_GONE = Refuse(404, "no notification {id!r}")  # deleted reads as missing (the row stays for audit only)
_EXPIRED = Refuse(410, "notification {id!r} expired at {at}; it is in no view any more")
_ARCHIVED_SNOOZE = Refuse(409, "notification {id!r} is archived; unarchive it first to snooze it")


def _row(**cells: Cell) -> dict[Act, Cell]:
    return {Act(name): cell for name, cell in cells.items()}


TABLE: Mapping[State, Mapping[Act, Cell]] = {
    State.INBOX: _row(
        read=Apply("marks it read (and seen)"),
        unread=Apply("marks it unread"),
        seen=Apply("marks it seen"),
        archive=Apply("moves it to the Archived view"),
        unarchive=Apply("already in the inbox: no change"),
        snooze=Apply("hides it until the time"),
        unsnooze=Apply("not snoozed: no change"),
        delete=Apply("deletes it"),
        action=Apply("records the choice, marks it read"),
    ),
    State.SNOOZED: _row(
        read=Apply("marks it read; it stays snoozed"),
        unread=Apply("marks it unread; it stays snoozed"),
        seen=Apply("marks it seen; an unread row comes back unseen anyway"),
        archive=Apply("archives it and ends the snooze (it will not come back to the inbox)", ends_snooze=True),
        unarchive=Apply("not archived: no change"),
        snooze=Apply("moves the snooze to the new time"),
        unsnooze=Apply("back in the inbox now"),
        delete=Apply("deletes it; the snooze ends quietly"),
        action=Apply("records the choice, marks it read; it stays snoozed"),
    ),
    State.ARCHIVED: _row(
        read=Apply("marks it read; it stays archived"),
        unread=Apply("marks it unread; it stays archived"),
        seen=Apply("marks it seen; it stays archived"),
        archive=Apply("already archived: no change"),
        unarchive=Apply("back in the inbox"),
        snooze=_ARCHIVED_SNOOZE,
        unsnooze=Apply("not snoozed: no change"),
        delete=Apply("deletes it"),
        action=Apply("records the choice, marks it read; it stays archived"),
    ),
    State.EXPIRED: _row(
        read=_EXPIRED,
        unread=_EXPIRED,
        seen=_EXPIRED,
        archive=_EXPIRED,
        unarchive=_EXPIRED,
        snooze=_EXPIRED,
        unsnooze=_EXPIRED,
        delete=Apply("deletes it (a tab that still shows it may clean up)"),
        action=_EXPIRED,
    ),
    State.DELETED: {act: _GONE for act in Act},
}


def state_of(
    *,
    deleted_at: datetime | None,
    expires_at: datetime | None,
    snoozed_until: datetime | None,
    archived_at: datetime | None,
    now: datetime,
) -> State:
    """The row's one state; the same precedence as notifications/visibility.py."""
    if deleted_at is not None:
        return State.DELETED
    if expires_at is not None and _aware(expires_at, now) <= now:
        return State.EXPIRED
    if snoozed_until is not None and _aware(snoozed_until, now) > now:
        return State.SNOOZED
    if archived_at is not None:
        return State.ARCHIVED
    return State.INBOX


def decide(state: State, act: Act | str) -> Cell:
    return TABLE[state][Act(act)]


def states_where(act: Act | str) -> frozenset[State]:
    """The states in which `act` applies: the SQL scope of its UPDATE (one row or bulk)."""
    return frozenset(state for state, row in TABLE.items() if isinstance(row[Act(act)], Apply))


def ends_snooze(act: Act | str) -> bool:
    """Whether `act` clears `snoozed_until` (where it applies to a snoozed row)."""
    cell = TABLE[State.SNOOZED][Act(act)]
    return isinstance(cell, Apply) and cell.ends_snooze


def refusal(
    state: State, act: Act | str, *, notification_id: str, expires_at: datetime | None = None
) -> Refusal | None:
    """The answer to refuse `act` on a row in `state`, or None when it applies."""
    cell = decide(state, act)
    if isinstance(cell, Apply):
        return None
    at = iso_ms(expires_at) if expires_at is not None else "?"
    return Refusal(cell.status, cell.template.format(id=notification_id, at=at))


def refusal_for(row: Any, act: Act | str, now: datetime) -> Refusal | None:
    """`refusal` for a notification row (anything with its lifecycle attributes)."""
    state = state_of(
        deleted_at=row.deleted_at,
        expires_at=row.expires_at,
        snoozed_until=row.snoozed_until,
        archived_at=row.archived_at,
        now=now,
    )
    return refusal(state, act, notification_id=row.id, expires_at=row.expires_at)


def _aware(moment: datetime, now: datetime) -> datetime:
    # SQLite hands back naive UTC; compare like with like.
    return moment if moment.tzinfo is not None or now.tzinfo is None else moment.replace(tzinfo=now.tzinfo)
