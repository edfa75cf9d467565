"""Bulk lifecycle actions (by ids or by the list's filter) and their undo.

A bulk action runs in one transaction and never loads the matching rows into Python:

1. this user's expired undo records are purged (a write first: SQLite takes its write lock
   here, before anything is read);
2. an undo record is inserted, keyed by the SHA-256 of a fresh random token;
3. `INSERT INTO nc_bulk_undo_rows SELECT ... FROM nc_notifications WHERE <match> AND <action
   still pending>` copies the id and previous lifecycle values of exactly the rows that
   will change (`FOR UPDATE` on PostgreSQL, so no other transaction changes them before
   step 4; SQLite's write lock does the same);
4. one UPDATE changes the rows listed in step 3.

Undo claims the token with a conditional UPDATE (unused, unexpired, this user's: single-use
across workers and nodes), then restores the action's columns of those rows to their
previous values, row by row, in one UPDATE ... FROM.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, insert, literal, select, update
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.models import BulkUndo, BulkUndoRow, Notification, utcnow
from notification_center.notifications import lifecycle, service, visibility
from notification_center.settings import get_settings


@dataclass(frozen=True)
class Filter:
    """The list's filters (GET /api/notifications): which view, and which rows of it."""

    unread: bool = False
    unseen: bool = False
    archived: bool = False
    category: str | None = None
    before: int | None = None  # a cursor: only rows older than it
    read: bool = False  # only read ones ("Archive all read"); the list has no such filter


@dataclass(frozen=True)
class BulkResult:
    updated: int
    undo_token: str | None  # None when nothing changed: there is nothing to undo
    ids: list[str]  # the changed ids, up to lifecycle.EVENT_IDS (+1, to tell "more")
    counts: service.Counts


@dataclass(frozen=True)
class UndoResult:
    updated: int
    counts: service.Counts
    ids: list[str] = field(default_factory=list)


class UndoError(LookupError):
    """The token cannot undo anything: `status` is the HTTP status, the message names it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# Bulk statements: no ORM objects to keep in step (and no RETURNING to fetch for that).
_NO_SYNC = {"synchronize_session": False}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _match(user_id: str, ids: Sequence[str] | None, where: Filter | None) -> ColumnElement[bool]:
    now = utcnow()
    mine = col(Notification.user_id) == user_id
    if ids is not None:  # by ids: every row of the user; the table's scope (in `_bulk`) picks
        return mine & col(Notification.id).in_(lifecycle.wanted_ids(ids))
    assert where is not None
    clause = mine & (visibility.in_archive(now) if where.archived else visibility.in_inbox(now))
    if where.unread:
        clause = clause & visibility.unread()
    if where.unseen:
        clause = clause & visibility.unseen()
    if where.read:
        clause = clause & ~visibility.unread()
    if where.category is not None:
        clause = clause & (col(Notification.category) == where.category)
    if where.before is not None:
        clause = clause & (col(Notification.seq) < where.before)
    return clause


def _purge_expired(session: Session, user_id: str) -> None:
    """Undo records of this user whose window has passed: nothing can use them any more.
    Purged on the user's next bulk action, so each user keeps at most one window's worth.
    One `now` for both statements: a record expiring between them would keep its rows."""
    now = utcnow()
    stale = (col(BulkUndo.user_id) == user_id) & (col(BulkUndo.expires_at) < now)
    rows = delete(BulkUndoRow).where(col(BulkUndoRow.undo_id).in_(select(BulkUndo.id).where(stale)))
    session.execute(rows, execution_options=_NO_SYNC)
    session.execute(delete(BulkUndo).where(stale), execution_options=_NO_SYNC)


def purge_expired_undos(*, session: Session, now: datetime, limit: int) -> int:
    """Every user's undo records whose window has passed, up to `limit` (the scheduler's
    undo purge): `_purge_expired` only runs on a user's next bulk action, so the rows
    copied by a user's last one would otherwise stay forever. Workers purging at once may
    pick the same records; the second delete then finds nothing."""
    stale = select(BulkUndo.id).where(col(BulkUndo.expires_at) < now).order_by(col(BulkUndo.expires_at)).limit(limit)
    ids = list(session.scalars(stale))
    if ids:
        session.execute(delete(BulkUndoRow).where(col(BulkUndoRow.undo_id).in_(ids)), execution_options=_NO_SYNC)
        session.execute(delete(BulkUndo).where(col(BulkUndo.id).in_(ids)), execution_options=_NO_SYNC)
    return len(ids)


def _changed_ids(session: Session, undo_id: str) -> list[str]:
    query = select(BulkUndoRow.notification_id).where(col(BulkUndoRow.undo_id) == undo_id)
    return list(session.scalars(query.limit(lifecycle.EVENT_IDS + 1)))


def _bulk(user_id: str, action: lifecycle.Action, ids: Sequence[str] | None, where: Filter | None) -> BulkResult:
    now = utcnow()
    token = secrets.token_urlsafe(24)
    undo_id = _token_hash(token)
    with session_scope() as session:
        _purge_expired(session, user_id)
        window = timedelta(seconds=get_settings().undo_window_seconds)
        session.execute(
            insert(BulkUndo).values(
                id=undo_id, user_id=user_id, action=action.name, count=0, created_at=now, expires_at=now + window
            )
        )
        scope = _match(user_id, ids, where) & lifecycle.scope(action, now)  # notifications/states.py
        picked = select(
            literal(undo_id),
            Notification.id,
            Notification.read_at,
            Notification.seen_at,
            Notification.archived_at,
            Notification.deleted_at,
            Notification.snoozed_until,
            Notification.status,
        ).where(scope, action.pending())
        copied = session.execute(
            insert(BulkUndoRow).from_select(
                [
                    "undo_id",
                    "notification_id",
                    "read_at",
                    "seen_at",
                    "archived_at",
                    "deleted_at",
                    "snoozed_until",
                    "status",
                ],
                picked.with_for_update(of=Notification),
            )
        )
        updated = int(copied.rowcount or 0)
        if not updated:
            session.execute(delete(BulkUndo).where(col(BulkUndo.id) == undo_id), execution_options=_NO_SYNC)
            return BulkResult(0, None, [], service.counts(session=session, user_id=user_id))
        listed = select(BulkUndoRow.notification_id).where(col(BulkUndoRow.undo_id) == undo_id)
        session.execute(
            update(Notification)
            .where(col(Notification.user_id) == user_id, col(Notification.id).in_(listed))
            .values(**lifecycle.values(action, now))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(BulkUndo).where(col(BulkUndo.id) == undo_id).values(count=updated), execution_options=_NO_SYNC
        )
        changed = _changed_ids(session, undo_id)
        return BulkResult(updated, token, changed, service.counts(session=session, user_id=user_id))


async def bulk(
    *, user_id: str, action: str, ids: Sequence[str] | None = None, where: Filter | None = None
) -> BulkResult:
    """Apply `action` (a key of lifecycle.ACTIONS) to exactly the user's rows among `ids`, or
    matching `where` (exactly one of the two), atomically; one stream event for all of them."""
    if (ids is None) == (where is None):
        raise ValueError("give exactly one of ids or where")
    spec = lifecycle.ACTIONS[action]
    result = await run_in_threadpool(_bulk, user_id, spec, ids, where)
    if result.updated:
        await lifecycle.publish(user_id, spec, lifecycle.event_data(spec, result.ids, result.updated, result.counts))
    return result


def _why_not(session: Session, user_id: str, undo_id: str) -> UndoError:
    """Why a token could not be claimed; another user's token reads as unknown."""
    now = utcnow()
    found = session.execute(
        select(BulkUndo.user_id, col(BulkUndo.used_at).is_not(None), col(BulkUndo.expires_at) <= now).where(
            col(BulkUndo.id) == undo_id
        )
    ).one_or_none()
    if found is None or found[0] != user_id:
        return UndoError(404, "undoToken: unknown (not one of this user's bulk actions)")
    if found[1]:
        return UndoError(409, "undoToken: already used")
    return UndoError(410, "undoToken: expired (the undo window has passed)")


def _undo(user_id: str, token: str) -> tuple[lifecycle.Action, UndoResult]:
    now = utcnow()
    undo_id = _token_hash(token)
    with session_scope() as session:
        claimed = session.execute(
            update(BulkUndo)
            .where(
                col(BulkUndo.id) == undo_id,
                col(BulkUndo.user_id) == user_id,
                col(BulkUndo.used_at).is_(None),
                col(BulkUndo.expires_at) > now,
            )
            .values(used_at=now)
            .returning(BulkUndo.action)
        ).one_or_none()
        if claimed is None:
            raise _why_not(session, user_id, undo_id)
        spec = lifecycle.ACTIONS[claimed[0]]
        before = BulkUndoRow.__table__.c  # type: ignore[attr-defined]
        restored = session.execute(
            update(Notification)
            .where(
                col(Notification.id) == before.notification_id,
                before.undo_id == undo_id,
                col(Notification.user_id) == user_id,
            )
            .values({name: before[name] for name in spec.restores} | {"updated_at": now})
            .execution_options(synchronize_session=False)
        )
        ids = _changed_ids(session, undo_id)
        session.execute(delete(BulkUndoRow).where(col(BulkUndoRow.undo_id) == undo_id), execution_options=_NO_SYNC)
        count = int(restored.rowcount or 0)
        return spec, UndoResult(count, service.counts(session=session, user_id=user_id), ids)


async def undo(*, user_id: str, token: str) -> UndoResult:
    """Revert the bulk action of `token` (restoring each row's previous values); raises
    UndoError (unknown or another user's, already used, expired), changing nothing."""
    spec, result = await run_in_threadpool(_undo, user_id, token)
    if result.updated:
        data = lifecycle.event_data(spec, result.ids, result.updated, result.counts, undo=True)
        await lifecycle.publish(user_id, spec, data)
    return result
