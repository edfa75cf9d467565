"""Notification data functions: create, list, mark read. Routes and UI state call these;
nothing else writes notification SQL. Each takes the SQL session as `session=`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, insert, or_, update
from sqlmodel import Session, col, func, select

from notification_center.models import Notification, Status, User, new_public_id, utcnow
from notification_center.notifications import grouping, states, visibility


class UnknownRecipientsError(LookupError):
    def __init__(self, usernames: Sequence[str]) -> None:
        super().__init__(", ".join(usernames))
        self.usernames = list(usernames)


@dataclass(frozen=True)
class Draft:
    """What a sender provides; the service adds ids, cursors and timestamps."""

    title: str
    content: str = ""
    type: str = "info"
    priority: str = "normal"
    channels: tuple[str, ...] = ("in_app",)
    category: str = "general"
    url: str | None = None
    actions: tuple[dict[str, Any], ...] | None = None
    group_key: str | None = None
    expires_at: datetime | None = None
    send_id: str | None = None  # the sent-history row this send belongs to


@dataclass(frozen=True)
class Counts:
    """The badges: unread and unseen rows of the inbox (visibility.in_inbox)."""

    unread: int
    unseen: int


@dataclass(frozen=True)
class Page:
    items: list[Notification]
    counts: Counts
    next_cursor: str | None

    @property
    def unread_count(self) -> int:
        return self.counts.unread


def parse_cursor(raw: str | None) -> int | None:
    """Cursors are opaque to clients; here they are the per-user sequence number."""
    # ASCII digits only: str.isdigit() also accepts "²" and "١٢٣", which int() rejects or reads.
    if raw is None or not re.fullmatch(r"[0-9]{1,18}", raw):
        return None
    return int(raw)


def resolve_recipients(*, session: Session, recipients: Sequence[str] | str) -> list[str]:
    """Usernames (or "all") to user ids, de-duplicated; unknown names raise, naming each.

    Ids, not User objects: "all" may be tens of thousands of users."""
    if recipients == "all":
        return list(session.exec(select(User.id).order_by(User.username)))
    wanted = list(dict.fromkeys(name.strip() for name in recipients))
    query = select(User.username, User.id).where(col(User.username).in_(wanted))
    found = {username: user_id for username, user_id in session.exec(query)}
    missing = [name for name in wanted if name not in found]
    if missing:
        raise UnknownRecipientsError(missing)
    return [found[name] for name in wanted]


BATCH = 500  # users per statement when one send reaches many


def create_notifications(
    *, session: Session, user_ids: Sequence[str], draft: Draft, status: Status, group_window_seconds: float = 3600.0
) -> list[dict[str, Any]]:
    """Create one notification per user (cursor = the user's `last_seq` + 1, status as
    given), with a few statements per 500 users.

    The increment runs in the inserting transaction and row-locks the users, so concurrent
    creators for one user serialize: cursors are gap-free and commit in order. RETURNING
    works on SQLite >= 3.35 and PostgreSQL.

    Returns the inserted rows as plain dicts (column name -> value). One send to 10,000
    users was 20,000 ORM round trips (8.8-10.3 s, holding SQLite's write lock all along);
    here it is three statements per batch, and no ORM object per row (building 10,000 of
    them alone took seconds). The cursor rows are locked in id order first, so
    concurrent sends to overlapping users cannot deadlock.

    With a `group_key`, users who already have that group's row in their inbox (sent
    within `group_window_seconds` by the same sender, in the same category) get it updated
    instead (notifications/grouping.py): one SELECT of the sender, then one more SELECT and
    one UPDATE per batch. Taken after the cursor rows are locked, so
    concurrent sends of one group cannot both start a row for the same user.
    """
    now = utcnow()
    created: list[dict[str, Any]] = []
    ordered = sorted(set(user_ids))
    common = {
        "type": draft.type,
        "priority": draft.priority,
        "title": draft.title,
        "content": draft.content,
        "channels": ",".join(draft.channels),
        "status": status.value,
        "created_at": now,
        "updated_at": now,
        "read_at": None,
        "seen_at": None,
        "archived_at": None,
        "deleted_at": None,
        "snoozed_until": None,
        "expires_at": draft.expires_at,
        "category": draft.category,
        "url": draft.url,
        "actions": list(draft.actions) if draft.actions is not None else None,
        "action_taken": None,
        "group_key": draft.group_key,
        "group_count": 1,
        "send_id": draft.send_id,
        "delivered_at": None,
    }
    # Only this sender's rows (of this category) are this send's group (grouping.py).
    sender = grouping.sender_of_send(session=session, send_id=draft.send_id) if draft.group_key is not None else None
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        if session.get_bind().dialect.name != "sqlite":  # SQLite locks the whole file anyway
            session.execute(select(User.id).where(col(User.id).in_(chunk)).order_by(User.id).with_for_update())
        bumped = session.execute(
            update(User)
            .where(col(User.id).in_(chunk))
            .values(last_seq=User.last_seq + 1)
            .returning(User.id, User.last_seq)
        )
        seqs = {user_id: seq for user_id, seq in bumped}
        groups = {}
        if draft.group_key is not None:
            groups = grouping.open_groups(
                session=session,
                user_ids=chunk,
                key=draft.group_key,
                now=now,
                window_seconds=group_window_seconds,
                sender=sender,
                category=draft.category,
            )
        cursors = {row_id: seqs[user_id] for user_id, row_id in groups.items()}
        regrouped = grouping.regroup(
            session=session, cursors=cursors, values=common, key=draft.group_key or "", now=now
        )
        grouped_users = {row["user_id"] for row in regrouped}
        rows = [
            {"id": new_public_id("notif"), "user_id": user_id, "seq": seqs[user_id], **common}
            for user_id in chunk
            if user_id not in grouped_users
        ]
        if rows:
            session.execute(insert(Notification.__table__), rows)  # type: ignore[attr-defined]
        created.extend(rows)
        created.extend(regrouped)
    return created


_LATEST_CURSOR = select(User.last_seq).where(User.id == bindparam("user_id"))  # built once: hot on connect


def latest_cursor(*, session: Session, user_id: str) -> int:
    return session.exec(_LATEST_CURSOR, params={"user_id": user_id}).one_or_none() or 0


def latest_cursors(*, session: Session, user_ids: Collection[str]) -> dict[str, int]:
    """`latest_cursor` of many users at once (one query per 500)."""
    found: dict[str, int] = {}
    wanted = list(user_ids)
    for start in range(0, len(wanted), 500):
        query = select(User.id, User.last_seq).where(col(User.id).in_(wanted[start : start + 500]))
        found.update((user_id, seq or 0) for user_id, seq in session.exec(query))
    return found


def notifications_after(
    *, session: Session, user_id: str, after: int, upto: int | None = None, limit: int = 1000
) -> list[Notification]:
    """This user's inbox notifications with cursor in (after, upto], oldest first (for replay).

    Deleted, archived, snoozed and expired ones are not replayed: the user put them away."""
    query = select(Notification).where(
        Notification.user_id == user_id, Notification.seq > after, visibility.in_inbox(utcnow())
    )
    if upto is not None:
        query = query.where(Notification.seq <= upto)
    return list(session.exec(query.order_by(col(Notification.seq)).limit(limit)))


def notifications_after_many(*, session: Session, after: Mapping[str, int]) -> dict[str, list[Notification]]:
    """`notifications_after` of many users at once ({user id: cursor} -> {user id: rows}),
    one query per 200 users: a reconnect storm resumes thousands of users' streams, each a
    few notifications behind. Unbounded per user: for users known to be a page or less behind."""
    found: dict[str, list[Notification]] = {user_id: [] for user_id in after}
    wanted, now = list(after.items()), utcnow()
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        behind = or_(*(and_(Notification.user_id == user_id, Notification.seq > cursor) for user_id, cursor in chunk))
        query = select(Notification).where(behind, visibility.in_inbox(now)).order_by(col(Notification.seq))
        for row in session.exec(query):
            found[row.user_id].append(row)
    return found


def counts(*, session: Session, user_id: str) -> Counts:
    """Unread and unseen in the inbox, in one query: every badge and every list answer uses
    this, so counts cannot disagree with each other or with the list."""
    query = select(
        func.count(case((visibility.unread(), 1))),
        func.count(case((visibility.unseen(), 1))),
    ).where(Notification.user_id == user_id, visibility.in_inbox(utcnow()))
    unread, unseen = session.exec(query).one()
    return Counts(unread=int(unread), unseen=int(unseen))


def counts_many(*, session: Session, user_ids: Collection[str]) -> dict[str, Counts]:
    """`counts` of many users at once (one grouped query per 500): for events the
    scheduler sends to a batch of users. Users with nothing in the inbox count 0/0."""
    found = {user_id: Counts(0, 0) for user_id in user_ids}
    wanted, now = list(found), utcnow()
    for start in range(0, len(wanted), 500):
        query = (
            select(
                Notification.user_id,
                func.count(case((visibility.unread(), 1))),
                func.count(case((visibility.unseen(), 1))),
            )
            .where(col(Notification.user_id).in_(wanted[start : start + 500]), visibility.in_inbox(now))
            .group_by(Notification.user_id)
        )
        found.update((user_id, Counts(int(unread), int(unseen))) for user_id, unread, unseen in session.exec(query))
    return found


def count_after(*, session: Session, user_id: str, after: int, upto: int) -> int:
    """How many notifications `notifications_after` would replay in (after, upto]: fewer
    than `upto - after` means some of that history is gone (the stream's `reset`)."""
    query = select(func.count()).where(
        Notification.user_id == user_id,
        Notification.seq > after,
        Notification.seq <= upto,
        visibility.in_inbox(utcnow()),
    )
    return int(session.exec(query).one())


def unread_count(*, session: Session, user_id: str) -> int:
    return counts(session=session, user_id=user_id).unread


def list_page(
    *,
    session: Session,
    user_id: str,
    limit: int = 20,
    before: int | None = None,
    unread_only: bool = False,
    unseen_only: bool = False,
    archived: bool = False,
    category: str | None = None,
) -> Page:
    """Newest first; `before` is the cursor of the last item of the previous page.

    `archived` picks the Archived view instead of the inbox; the counts are always the
    inbox's, whatever the filters (CONTRACT section 6)."""
    now = utcnow()
    view = visibility.in_archive(now) if archived else visibility.in_inbox(now)
    query = select(Notification).where(Notification.user_id == user_id, view)
    if before is not None:
        query = query.where(Notification.seq < before)
    if unread_only:
        query = query.where(visibility.unread())
    if unseen_only:
        query = query.where(visibility.unseen())
    if category is not None:
        query = query.where(Notification.category == category)
    rows = list(session.exec(query.order_by(col(Notification.seq).desc()).limit(limit + 1)))
    has_more = len(rows) > limit
    items = rows[:limit]
    next_cursor = str(items[-1].seq) if has_more and items else None
    return Page(items=items, counts=counts(session=session, user_id=user_id), next_cursor=next_cursor)


def is_notification_id(value: str) -> bool:
    # Not an id we hand out: also keeps NUL bytes and odd text away from the driver.
    return re.fullmatch(r"notif_[0-9a-f]{1,34}", value) is not None


def get_for_user(*, session: Session, user_id: str, notification_id: str) -> Notification | None:
    """The notification if it belongs to `user_id`; another user's id is simply not found,
    and so is a deleted one (the row stays for audit only)."""
    if not is_notification_id(notification_id):
        return None
    notification = session.get(Notification, notification_id, populate_existing=True)
    if notification is None or notification.user_id != user_id or notification.deleted_at is not None:
        return None
    return notification


def mark_read(*, session: Session, user_id: str, notification_id: str) -> tuple[Notification | None, bool]:
    """Mark one of the user's notifications read: (it as it is now, whether this call changed it).

    One conditional UPDATE, not read-then-write: of parallel calls exactly one changes the
    row (the database serializes them on it), so only one reports a change and `readAt`
    keeps the first time. It is also the transaction's first statement, so SQLite takes
    the write lock before reading anything and never has to upgrade a stale snapshot.
    """
    if not is_notification_id(notification_id):
        return None, False
    now = utcnow()
    result = session.execute(
        update(Notification)
        .where(
            col(Notification.id) == notification_id,
            col(Notification.user_id) == user_id,
            col(Notification.read_at).is_(None),
            visibility.in_states(states.states_where(states.Act.READ), now),  # not expired, not deleted
        )
        .values(
            read_at=now,
            updated_at=now,
            status=Status.READ.value,
            seen_at=func.coalesce(Notification.seen_at, now),  # read implies seen
        )
        .execution_options(synchronize_session=False)
    )
    changed = result.rowcount == 1
    notification = get_for_user(session=session, user_id=user_id, notification_id=notification_id)
    if notification is None:  # not the user's, or deleted: not found
        return None, False
    return notification, changed


def mark_all_read(*, session: Session, user_id: str) -> tuple[int, int]:
    """Mark every unread notification of the user up to their latest cursor read.

    Returns (how many changed, that cursor). The cursor is the bound the `read` event
    carries instead of every id. Taking it with a no-op UPDATE of the user's row locks that
    row, which creators also lock to number a notification, so no notification with a
    cursor at or below the bound can still be on its way, and ones created later stay unread.
    """
    up_to = session.execute(
        update(User).where(col(User.id) == user_id).values(last_seq=User.last_seq).returning(User.last_seq)
    ).scalar_one_or_none()
    if not up_to:
        return 0, 0
    now = utcnow()
    result = session.execute(
        update(Notification)
        .where(
            col(Notification.user_id) == user_id,
            col(Notification.seq) <= up_to,
            col(Notification.read_at).is_(None),
            # Deleted rows stay as they were, for audit; expired ones too (notifications/states.py).
            visibility.in_states(states.states_where(states.Act.READ), now),
        )
        .values(
            read_at=now,
            updated_at=now,
            status=Status.READ.value,
            seen_at=func.coalesce(Notification.seen_at, now),  # read implies seen
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0), int(up_to)


def read_ids_among(*, session: Session, user_id: str, ids: Sequence[str]) -> list[str]:
    """Which of these ids are the user's and read (for views that know ids, not cursors)."""
    if not ids:
        return []
    query = select(Notification.id).where(
        col(Notification.id).in_(list(ids)),
        col(Notification.user_id) == user_id,
        col(Notification.read_at).is_not(None),
    )
    return list(session.exec(query))
