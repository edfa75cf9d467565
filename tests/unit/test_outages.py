"""A database outage becomes 503 JSON with Retry-After on the API, and a toast on the pages.

The errors are real ones, raised by the real drivers: a read-only and a locked SQLite file,
an exhausted pool, PostgreSQL's client refused on a port where nothing listens. They go
through a tiny Starlette app with the API's handler, so the mapping is what the app serves.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import QueuePool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from notification_center import db
from notification_center.api.outage_handler import DATABASE_ERRORS, database_error_handler
from notification_center.outages import READ_ONLY, TIMED_OUT, UNREACHABLE, classify
from notification_center.settings import get_settings
from notification_center.state.outage_toast import OUTAGE_TITLE, backend_exception_handler
from tests.support.processes import free_port


def _app(fail: Callable[[], object]) -> Starlette:
    async def endpoint(_request: Request) -> JSONResponse:
        fail()
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[Route("/work", endpoint)],
        exception_handlers=dict.fromkeys(DATABASE_ERRORS, database_error_handler),
    )


async def _call(fail: Callable[[], object]) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(fail), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/work")


def _read_only_sqlite(tmp_path: Path) -> Callable[[], object]:
    path = tmp_path / "ro.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))

    return write


def _locked_sqlite(tmp_path: Path) -> Callable[[], object]:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")  # kept open for the test's life
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})

    def write() -> None:
        _ = holder
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))

    return write


def _exhausted_pool(tmp_path: Path) -> Callable[[], object]:
    engine = sa.create_engine(
        f"sqlite:///{tmp_path / 'pool.db'}", poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=0.1
    )
    held = engine.connect()

    def connect() -> None:
        _ = held
        engine.connect()

    return connect


def _refused_postgres(_tmp_path: Path) -> Callable[[], object]:
    engine = db.make_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/postgres")

    def connect() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    return connect


def _unopenable_sqlite(tmp_path: Path) -> Callable[[], object]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'x.db'}")
    return lambda: engine.connect()


OUTAGES = {
    "read-only SQLite": (_read_only_sqlite, READ_ONLY),
    "locked SQLite": (_locked_sqlite, "is busy"),
    "pool timeout": (_exhausted_pool, TIMED_OUT),
    "PostgreSQL refused": (_refused_postgres, UNREACHABLE),
    "SQLite file cannot be opened": (_unopenable_sqlite, UNREACHABLE),
}


@pytest.mark.parametrize("name", OUTAGES)
async def test_a_database_outage_answers_503_json_with_retry_after(name, tmp_path):
    make, reason = OUTAGES[name]
    started = time.monotonic()
    r = await _call(make(tmp_path))
    assert time.monotonic() - started < 10
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/json"
    retry_after = get_settings().outage_retry_after_seconds
    assert r.headers["retry-after"] == str(retry_after)
    body = r.json()
    assert body["retryAfter"] == retry_after
    assert body["error"].startswith(f"the database {reason}")


async def test_other_database_errors_stay_500(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))

    def duplicate() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))

    def missing_table() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT * FROM nowhere"))

    for bug in (duplicate, missing_table):  # a bug, not an outage: a retry would not help
        assert (await _call(bug)).status_code == 500


def test_classify_sees_an_outage_inside_wrapping_exceptions(tmp_path):
    try:
        try:
            _read_only_sqlite(tmp_path)()
        except sa.exc.OperationalError as exc:
            raise RuntimeError("the send failed") from exc
    except RuntimeError as wrapped:
        outage = classify(wrapped)
    assert outage is not None and outage.reason == READ_ONLY
    assert classify(ExceptionGroup("group", [ValueError("x"), sqlite3.OperationalError("database is locked")]))
    assert classify(ValueError("database is locked")) is None  # only database errors count


def test_a_page_event_hitting_an_outage_shows_the_toast_not_reflexs_error(tmp_path):
    with pytest.raises(sa.exc.OperationalError) as caught:
        _read_only_sqlite(tmp_path)()
    spec = backend_exception_handler(caught.value)
    rendered = str(spec.args)
    assert OUTAGE_TITLE in rendered and "nothing was changed" in rendered
    assert "An error occurred" not in rendered
    assert "An error occurred" in str(backend_exception_handler(ValueError("a bug")).args)


def test_postgresql_connections_have_connect_and_statement_timeouts(monkeypatch):
    captured = {}
    monkeypatch.setattr(db, "create_engine", lambda url, **kwargs: captured.update(kwargs))
    db.make_engine("postgresql+psycopg2://u@127.0.0.1:1/x")
    settings = get_settings()
    assert captured["pool_timeout"] == settings.db_pool_timeout_seconds
    assert captured["connect_args"]["connect_timeout"] == settings.db_connect_timeout_seconds
    assert captured["connect_args"]["tcp_user_timeout"] > 0 and captured["connect_args"]["keepalives"] == 1
    statement_ms = int(settings.db_statement_timeout_seconds * 1000)
    assert captured["connect_args"]["options"] == f"-c statement_timeout={statement_ms}"
    db.make_engine("postgresql+psycopg2://u@127.0.0.1:1/x", statement_timeout=False)  # migrations
    assert "options" not in captured["connect_args"]
