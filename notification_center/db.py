"""The SQL engine and sessions shared by routes, services, the CLI and the UI state."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from notification_center.settings import Settings, get_settings


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


def _postgres_connect_args(settings: Settings, *, statement_timeout: bool) -> dict[str, Any]:
    """libpq options that bound every wait on the server: opening a connection, and (outside
    migrations) any one statement, which the server cancels. With them a database that is
    away or hung answers a request with an error in seconds, which the API maps to 503."""
    args: dict[str, Any] = {
        "connect_timeout": settings.db_connect_timeout_seconds,
        # A server host that vanishes (no RST: a crash, a partition) must not hold a request
        # until the kernel's retransmissions give up (~15 min): unacknowledged bytes fail the
        # connection after 10 s, and a silent connection waiting for an answer is probed
        # after 10 s idle, given up after 3 unanswered probes 5 s apart. A busy server still
        # acknowledges both, so long statements are not cut by these.
        "tcp_user_timeout": 10_000,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    if statement_timeout and settings.db_statement_timeout_seconds > 0:
        args["options"] = f"-c statement_timeout={int(settings.db_statement_timeout_seconds * 1000)}"
    return args


def make_engine(url: str, *, statement_timeout: bool = True) -> Engine:
    """The engine for `url`. Every pool waits at most NC_DB_POOL_TIMEOUT_SECONDS for a free
    connection (SQLAlchemy's default is 30 s), then raises, and the request answers 503.
    `statement_timeout=False` is for migrations, whose statements may rightly run long."""
    settings = get_settings()
    if url.startswith("sqlite"):
        _create_private_sqlite_file(url)
        # A file database gets a QueuePool; an in-memory one SQLAlchemy's SingletonThreadPool,
        # which has no timeout to set (nor anything to wait for).
        database = make_url(url).database or ""
        in_memory = not database or database == ":memory:" or "mode=memory" in url
        pool = {} if in_memory else {"pool_timeout": settings.db_pool_timeout_seconds}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
        event.listen(engine, "connect", _enable_sqlite_wal)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args=_postgres_connect_args(settings, statement_timeout=statement_timeout)
        if url.startswith("postgresql")
        else {},
    )


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
