"""Grouping in the batched send path, against real SQLite and PostgreSQL: more users than
one batch, a few statements per batch whatever the number of group rows, and concurrent
sends of one group never starting two rows for one user."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from notification_center.models import Notification, Status, User, utcnow
from notification_center.notifications import grouping
from notification_center.notifications.service import BATCH, Draft, create_notifications

USERS = BATCH + 137  # two batches


@pytest.fixture
def sqlite_engine(engine_with_users) -> sa.Engine:
    return engine_with_users("sqlite", USERS)


@pytest.fixture
def pg_engine(engine_with_users) -> sa.Engine:
    return engine_with_users("postgres", USERS)


def _send(engine: sa.Engine, title: str, user_ids: list[str], key: str | None = "thread-1") -> list[dict]:
    with Session(engine, expire_on_commit=False) as session:
        created = create_notifications(
            session=session, user_ids=user_ids, draft=Draft(title=title, group_key=key), status=Status.SENT
        )
        session.commit()
    return created


def _ids(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(User.id)).all())


def _rows(engine: sa.Engine) -> dict[str, list[Notification]]:
    with Session(engine) as session:
        found: dict[str, list[Notification]] = {}
        for row in session.exec(select(Notification).order_by(col(Notification.seq))):
            found.setdefault(row.user_id, []).append(row)
        return found


def test_sqlite_grouped_sends_in_batches_with_few_statements(sqlite_engine: sa.Engine) -> None:
    ids = _ids(sqlite_engine)
    half = ids[::2]
    first = _send(sqlite_engine, "Anna commented", half)
    assert len(first) == len(half)

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.split()[0].upper())

    sa.event.listen(sqlite_engine, "before_cursor_execute", count)
    try:
        second = _send(sqlite_engine, "Anna and 1 other commented", ids)
    finally:
        sa.event.remove(sqlite_engine, "before_cursor_execute", count)
    # Per batch: the cursor bump, one SELECT of open groups, one INSERT, one UPDATE. Never per row.
    batches = -(-USERS // BATCH)
    assert len(statements) <= 4 * batches + 2, statements
    assert len(second) == USERS and len({r["id"] for r in second}) == USERS

    rows = _rows(sqlite_engine)
    for user_id in ids:
        (row,) = rows[user_id]  # one row each, grouped or new
        assert row.title == "Anna and 1 other commented"
        assert row.group_count == (2 if user_id in set(half) else 1)
        assert row.seq == (2 if user_id in set(half) else 1)  # the send's new cursor
    # A send without the key, or with another key, starts new rows.
    _send(sqlite_engine, "unrelated", ids[:3], key=None)
    _send(sqlite_engine, "other thread", ids[:3], key="thread-2")
    assert [len(_rows(sqlite_engine)[u]) for u in ids[:3]] == [3, 3, 3]


@pytest.mark.slow
def test_postgresql_concurrent_sends_of_one_group(pg_engine: sa.Engine) -> None:
    ids = _ids(pg_engine)
    errors: list[BaseException] = []

    def worker(title: str, chosen: list[str]) -> None:
        try:
            _send(pg_engine, title, chosen)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=("a", ids)),
        threading.Thread(target=worker, args=("b", list(reversed(ids)))),
        threading.Thread(target=worker, args=("c", ids[1::2] + ids[0::2])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    rows = _rows(pg_engine)
    with Session(pg_engine) as session:
        last = dict(session.exec(select(User.id, User.last_seq)).all())
    for user_id in ids:
        (row,) = rows[user_id]  # never two rows of one group for one user
        assert row.group_count == 3 and row.seq == last[user_id] == 3


def test_postgresql_a_group_row_archived_after_it_was_looked_up_is_not_reused(
    engine_with_users, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user's archive commits between the send's group lookup and its UPDATE (archive
    does not take the user-row lock): the send must land in a fresh inbox row, not in the
    archived one. PostgreSQL only: on SQLite the send holds the file's write lock, so the
    archive waits for it and this cannot happen."""
    engine = engine_with_users("postgres", 2)
    users = _ids(engine)
    (first,) = _send(engine, "Anna commented", users[:1])
    stale_lookup = grouping.open_groups  # what it found before the archive committed

    def looked_up_before_the_archive(**kwargs) -> dict[str, str]:
        found = stale_lookup(**kwargs)
        with Session(engine) as other:  # the archive, committed by another transaction
            other.execute(
                sa.update(Notification).where(col(Notification.id) == first["id"]).values(archived_at=utcnow())
            )
            other.commit()
        return found

    monkeypatch.setattr(grouping, "open_groups", looked_up_before_the_archive)
    (second,) = _send(engine, "Anna and 1 other commented", users[:1])
    assert second["id"] != first["id"]
    rows = {row.id: row for row in _rows(engine)[users[0]]}
    assert (rows[first["id"]].group_count, rows[first["id"]].title) == (1, "Anna commented")
    assert rows[second["id"]].archived_at is None and rows[second["id"]].group_count == 1
