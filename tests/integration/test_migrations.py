"""Alembic: `upgrade head` yields exactly the models (no drift), and downgrade works."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import notification_center.models  # noqa: F401
from notification_center.migrations import downgrade_to_base, upgrade_to_head

TABLES = {"users", "auth_sessions", "notifications", "api_keys", "audit_events"}


def _check_round_trip(url: str) -> None:
    upgrade_to_head(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
            assert set(sa.inspect(conn).get_table_names()) >= TABLES
        downgrade_to_base(url)
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade_to_head(url)  # and back up again
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_sqlite_upgrade_matches_models_and_downgrades(tmp_path):
    _check_round_trip(f"sqlite:///{tmp_path / 'm.db'}")


def test_sqlite_runs_in_wal_mode(tmp_path):
    from notification_center.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


@pytest.mark.slow
def test_postgresql_upgrade_matches_models_and_downgrades(postgres_server):
    _check_round_trip(postgres_server.create_database("migrations"))
