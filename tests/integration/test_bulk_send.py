"""A send to many users writes in batches and keeps every user's cursors gap-free.

Against real SQLite and PostgreSQL: more users than one batch, and on PostgreSQL two
overlapping sends at once (the cursor rows are locked in one order, so no deadlock).
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from notification_center.models import Notification, Status, User
from notification_center.notifications.service import BATCH, Draft, create_notifications

USERS = BATCH * 2 + 37  # three batches, the last one partial


@pytest.fixture
def sqlite_engine(engine_with_users) -> sa.Engine:
    return engine_with_users("sqlite", USERS)


@pytest.fixture
def pg_engine(engine_with_users) -> sa.Engine:
    return engine_with_users("postgres", USERS)


def _send(engine: sa.Engine, title: str, user_ids: list[str]) -> list[dict]:
    with Session(engine, expire_on_commit=False) as session:
        created = create_notifications(session=session, user_ids=user_ids, draft=Draft(title=title), status=Status.SENT)
        session.commit()
    return created


def _check_cursors(engine: sa.Engine, sends: int) -> None:
    with Session(engine) as session:
        users = session.exec(select(User)).all()
        for user in users:
            seqs = sorted(session.exec(select(Notification.seq).where(Notification.user_id == user.id)).all())
            assert seqs == list(range(1, sends + 1)), user.username
            assert user.last_seq == sends


def _all_ids(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(User.id)).all())


def test_sqlite_send_to_many_users_twice(sqlite_engine: sa.Engine) -> None:
    ids = _all_ids(sqlite_engine)
    first = _send(sqlite_engine, "one", ids + ids[:5])  # a user named twice gets one
    assert len(first) == USERS
    assert len({n["id"] for n in first}) == USERS
    assert {n["user_id"] for n in first} == set(ids)
    _send(sqlite_engine, "two", ids)
    _check_cursors(sqlite_engine, 2)
    with Session(sqlite_engine) as session:
        stored = session.get(Notification, first[0]["id"])
        assert stored is not None and stored.title == "one" and stored.status == Status.SENT.value


@pytest.mark.slow
def test_postgresql_overlapping_sends_at_once(pg_engine: sa.Engine) -> None:
    ids = _all_ids(pg_engine)
    errors: list[BaseException] = []

    def worker(title: str, chosen: list[str]) -> None:
        try:
            _send(pg_engine, title, chosen)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    # Reversed and shuffled recipient lists: without a fixed lock order these deadlock.
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
    _check_cursors(pg_engine, 3)
