"""The scheduler's undo purge, on real SQLite and PostgreSQL: expired undo records of every
user go with the row copies they hold, in batches; live ones stay usable."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from notification_center.models import BulkUndo, BulkUndoRow, User, utcnow
from notification_center.notifications.bulk import purge_expired_undos


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_expired_undo_records_of_every_user_are_purged_in_batches(engine_with_users, backend: str) -> None:
    engine: sa.Engine = engine_with_users(backend, 3)
    now = utcnow()
    with Session(engine) as session:
        users = list(session.exec(select(User.id)))
        for n, user_id in enumerate(users):
            for state, expires in (("old", now - timedelta(seconds=1)), ("live", now + timedelta(seconds=30))):
                undo_id = f"{state}-{n}"
                session.add(BulkUndo(id=undo_id, user_id=user_id, action="read", count=2, expires_at=expires))
                session.flush()
                session.add_all(
                    BulkUndoRow(undo_id=undo_id, notification_id=f"notif_{n}{r}", status="sent") for r in "ab"
                )
        session.commit()

        assert purge_expired_undos(session=session, now=now, limit=2) == 2  # a batch at a time
        assert purge_expired_undos(session=session, now=now, limit=2) == 1
        assert purge_expired_undos(session=session, now=now, limit=2) == 0
        session.commit()
        assert sorted(session.exec(select(BulkUndo.id))) == ["live-0", "live-1", "live-2"]
        assert sorted(set(session.exec(select(BulkUndoRow.undo_id)))) == ["live-0", "live-1", "live-2"]
        assert session.exec(select(func.count()).select_from(BulkUndoRow)).one() == 6
