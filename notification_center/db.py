"""The SQL engine and sessions shared by routes, services, the CLI and the UI state."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from notification_center.settings import get_settings


def _enable_sqlite_wal(dbapi_connection, _record) -> None:
    # WAL lets readers (streams replaying history) run beside the writer; the busy
    # timeout makes concurrent writers wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_private_sqlite_file(url: str) -> None:
    """Create a file database that does not exist yet owner-only (0600), before SQLite does
    (it would use the umask: 0644 by default). It holds password hashes and every
    notification; SQLite gives its -wal and -shm files the database file's mode. An existing
    file keeps the mode it has (an operator may have chosen it)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:") or "mode=memory" in url:
        return
    # Already there: it keeps its mode. No such folder: SQLite reports that as before.
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _create_private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _enable_sqlite_wal)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings().db_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
