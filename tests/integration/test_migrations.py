"""Alembic: `upgrade head` yields exactly the models (no drift), and downgrade works."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import notification_center.models  # noqa: F401
from notification_center.migrations import VERSION_TABLE, downgrade_to_base, upgrade_to_head

TABLES = {"nc_users", "nc_auth_sessions", "nc_notifications", "nc_api_keys", "nc_audit_events", "nc_categories"}


def _check_round_trip(url: str) -> None:
    upgrade_to_head(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "version_table": VERSION_TABLE})
            assert compare_metadata(context, SQLModel.metadata) == []
            assert set(sa.inspect(conn).get_table_names()) >= TABLES
        downgrade_to_base(url)
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"nc_alembic_version"}
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


def _upgrade_with_data(url: str) -> None:
    """A database at 0001 with users and notifications in it upgrades to head in place (the
    tables renamed to nc_... on the way, 0013)."""
    from alembic import command
    from notification_center.migrations import alembic_config

    command.upgrade(alembic_config(url), "0001")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, username, password_hash, role, last_seq, created_at)"
                    " VALUES ('user_a', 'anna', 'x', 'user', 2, CURRENT_TIMESTAMP)"
                )
            )
            for seq, read in ((1, "CURRENT_TIMESTAMP"), (2, "NULL")):
                conn.execute(
                    sa.text(
                        "INSERT INTO notifications (id, user_id, seq, type, priority, title, content, channels,"
                        " status, created_at, updated_at, read_at) VALUES"
                        f" ('notif_{seq}', 'user_a', {seq}, 'info', 'normal', 'old {seq}', '', 'in_app', 'sent',"
                        f" CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, {read})"
                    )
                )
        upgrade_to_head(url)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, title, read_at IS NOT NULL, seen_at IS NOT NULL, category, group_count, archived_at"
                    " FROM nc_notifications ORDER BY seq"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("notif_1", "old 1", True, True, "general", 1, None),  # read before: counts as seen
            ("notif_2", "old 2", False, False, "general", 1, None),
        ]
    finally:
        engine.dispose()


def test_sqlite_upgrade_keeps_existing_notifications(tmp_path):
    _upgrade_with_data(f"sqlite:///{tmp_path / 'd.db'}")


@pytest.mark.slow
def test_postgresql_upgrade_keeps_existing_notifications(postgres_server):
    _upgrade_with_data(postgres_server.create_database("migrations_data"))


def _host_history(conn: sa.Connection) -> None:
    """A host app's own table and Alembic history, as `reflex db` would leave them."""
    conn.execute(sa.text("CREATE TABLE host_members (id INTEGER PRIMARY KEY, name VARCHAR(40))"))
    conn.execute(sa.text("INSERT INTO host_members (id, name) VALUES (1, 'hana')"))
    conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('host0001')"))


def _host_untouched(conn: sa.Connection) -> None:
    assert conn.execute(sa.text("SELECT id, name FROM host_members")).all() == [(1, "hana")]
    assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).all() == [("host0001",)]


def _coexists_with_a_host(url: str) -> None:
    """Migrating into a host app's database touches neither its tables nor its history;
    downgrading removes only ours."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            _host_history(conn)
        upgrade_to_head(url)
        with engine.connect() as conn:
            _host_untouched(conn)
            assert set(sa.inspect(conn).get_table_names()) >= TABLES | {VERSION_TABLE}
        downgrade_to_base(url)
        with engine.connect() as conn:
            _host_untouched(conn)
            assert set(sa.inspect(conn).get_table_names()) == {"host_members", "alembic_version", VERSION_TABLE}
    finally:
        engine.dispose()


def _legacy_version_is_adopted(url: str) -> None:
    """A database made before the own version table (our revision in `alembic_version`,
    beside a host's) upgrades in place: the revision moves, the host's row stays, data stays."""
    from alembic import command
    from notification_center.migrations import alembic_config

    engine = sa.create_engine(url)
    try:
        command.upgrade(alembic_config(url), "0011")
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE {VERSION_TABLE}"))  # as the old app kept it:
            _host_history(conn)
            conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('0011_undo_snooze')"))
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, username, password_hash, role, last_seq, created_at)"
                    " VALUES ('user_a', 'anna', 'x', 'user', 0, CURRENT_TIMESTAMP)"
                )
            )
        upgrade_to_head(url)
        with engine.connect() as conn:
            _host_untouched(conn)
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            assert conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one() == head
            assert conn.execute(sa.text("SELECT username, external_id FROM nc_users")).all() == [("anna", None)]
    finally:
        engine.dispose()


def test_sqlite_migrations_coexist_with_a_host_app(tmp_path):
    _coexists_with_a_host(f"sqlite:///{tmp_path / 'h.db'}")


def test_sqlite_database_with_the_old_version_table_upgrades_in_place(tmp_path):
    _legacy_version_is_adopted(f"sqlite:///{tmp_path / 'l.db'}")


@pytest.mark.slow
def test_postgresql_migrations_coexist_with_a_host_app(postgres_server):
    _coexists_with_a_host(postgres_server.create_database("migrations_host"))


@pytest.mark.slow
def test_postgresql_database_with_the_old_version_table_upgrades_in_place(postgres_server):
    _legacy_version_is_adopted(postgres_server.create_database("migrations_legacy"))
