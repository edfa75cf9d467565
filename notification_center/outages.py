"""Which exceptions mean "the database is away", and what to tell whoever was asking.

One classification for every caller: the HTTP API turns an outage into 503 JSON with
Retry-After (api/outage_handler.py), the pages into a "temporarily unavailable" toast
(state/outage_toast.py). An outage is the database that cannot be reached, closed the
connection, timed out (pool, connect, statement), is read-only, locked or out of disk
space, or cannot open its file. Anything else (a bug, a constraint violation) is not one and
keeps its 500: a 503 would tell the client to retry something that will never work.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from notification_center.settings import get_settings

try:  # the PostgreSQL driver is optional (SQLite needs none)
    import psycopg2
except ImportError:  # pragma: no cover - psycopg2 is in requirements.txt
    psycopg2 = None  # type: ignore[assignment]

DATABASE = "database"

UNREACHABLE = "cannot be reached"
TIMED_OUT = "did not answer in time"
READ_ONLY = "is read-only"
BUSY = "is busy"
NO_SPACE = "has no space left"

# SQLSTATE prefixes / codes (PostgreSQL) that mean the server, not the request, is the problem.
_PG_CODES: tuple[tuple[str, str], ...] = (
    ("25006", READ_ONLY),  # read_only_sql_transaction (a standby, default_transaction_read_only)
    ("57014", TIMED_OUT),  # query_canceled: statement_timeout
    ("55P03", TIMED_OUT),  # lock_not_available: lock_timeout
    ("57P", UNREACHABLE),  # admin / crash shutdown, cannot connect now (starting up)
    ("08", UNREACHABLE),  # connection exceptions
    ("53100", NO_SPACE),  # disk_full
    ("53", BUSY),  # insufficient resources: too many connections, out of memory
)

# Driver messages without a SQLSTATE (libpq before a connection exists; SQLite).
_MESSAGES: tuple[tuple[str, str], ...] = (
    ("read-only transaction", READ_ONLY),
    ("readonly database", READ_ONLY),
    ("database is locked", BUSY),
    ("database or disk is full", NO_SPACE),
    ("no space left on device", NO_SPACE),
    ("unable to open database", UNREACHABLE),
    ("disk i/o error", UNREACHABLE),
    ("timeout expired", TIMED_OUT),
    ("statement timeout", TIMED_OUT),
    ("connection refused", UNREACHABLE),
    ("could not connect", UNREACHABLE),
    ("server closed the connection", UNREACHABLE),
    ("terminating connection", UNREACHABLE),
    ("connection already closed", UNREACHABLE),
    ("the database system is", UNREACHABLE),  # starting up / shutting down / in recovery
    ("ssl syscall error", UNREACHABLE),
    ("no route to host", UNREACHABLE),
)

# SQLite reports schema and SQL mistakes as OperationalError too: those are bugs, not outages.
_NOT_OUTAGES = ("no such table", "no such column", "syntax error", "has no column")


@dataclass(frozen=True)
class Outage:
    """A dependency that is away, and how (for the message)."""

    dependency: str
    reason: str

    def message(self) -> str:
        return f"the {self.dependency} {self.reason}: temporarily unavailable, try again shortly"


def _driver_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.OperationalError, sqlite3.InterfaceError]
    if psycopg2 is not None:
        errors += [psycopg2.OperationalError, psycopg2.InterfaceError]
    return tuple(errors)


_DRIVER_OUTAGE_TYPES = _driver_errors()
_DRIVER_ANY = (sqlite3.Error, *((psycopg2.Error,) if psycopg2 is not None else ()))


def _by_code_or_message(error: BaseException) -> str | None:
    code = getattr(error, "pgcode", None) or ""
    for prefix, reason in _PG_CODES:
        if code.startswith(prefix):
            return reason
    text = str(error).lower()
    if any(mistake in text for mistake in _NOT_OUTAGES):
        return None
    for fragment, reason in _MESSAGES:
        if fragment in text:
            return READ_ONLY if reason == UNREACHABLE and "disk i/o" in text and _sqlite_file_read_only() else reason
    return None


def _sqlite_file_read_only() -> bool:
    """Whether the SQLite database file (or its WAL) cannot be written now. SQLite says only
    "disk I/O error" when a file it holds open stops taking writes (made read-only or
    immutable under it); `access()` asks the kernel, which answers so even for root."""
    url = make_url(get_settings().db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    files = [Path(url.database), Path(url.database + "-wal")]
    return any(f.exists() and not os.access(f, os.W_OK) for f in files)


def _classify_one(error: BaseException) -> str | None:
    if isinstance(error, sa_exc.TimeoutError):  # the pool had no free connection in time
        return TIMED_OUT
    if isinstance(error, sa_exc.DBAPIError):
        original = error.orig if error.orig is not None else error
        if (reason := _by_code_or_message(original)) is not None:
            return reason
        if any(mistake in str(original).lower() for mistake in _NOT_OUTAGES):
            return None
        if error.connection_invalidated or isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return UNREACHABLE
        return None
    if isinstance(error, sa_exc.DisconnectionError):
        return UNREACHABLE
    if isinstance(error, _DRIVER_ANY):  # a raw driver error (no SQLAlchemy around it)
        if (reason := _by_code_or_message(error)) is not None:
            return reason
        if isinstance(error, _DRIVER_OUTAGE_TYPES) and not any(m in str(error).lower() for m in _NOT_OUTAGES):
            return UNREACHABLE
    return None


def classify(error: BaseException) -> Outage | None:
    """The outage `error` reports, also when another exception wraps it (its cause or
    context, a group's members), or None when it is no outage."""
    pending, seen = [error], set()
    while pending and len(seen) < 16:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if (reason := _classify_one(current)) is not None:
            return Outage(DATABASE, reason)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None
