"""The SQLite database holds password hashes and every notification: the app as `make run`
starts it creates the file (and SQLite its -wal/-shm files, which copy the database's mode)
readable by the owner only, 0600 like `.nc_secrets.json`, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import APP_ENV
from tests.support.processes import AppServer


@pytest.fixture(scope="module")
def fresh_app(tmp_root: Path) -> Iterator[AppServer]:
    """The real app on a database path that does not exist yet, started under umask 022."""
    workdir = tmp_root / "permissions-app"
    assert not (workdir / "app.db").exists()
    previous = os.umask(0o022)
    try:
        server = AppServer(workdir, dict(APP_ENV)).start()
    finally:
        os.umask(previous)
    yield server
    server.stop()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_files_are_created_owner_only(fresh_app: AppServer) -> None:
    # Writes after start (a failed sign-in is audited), so the WAL is in use.
    body = {"username": "nobody-here", "password": "wrong-password"}
    assert httpx.post(fresh_app.url + "/api/auth/login", json=body).status_code == 401
    assert httpx.get(fresh_app.url + "/api/health").json()["db"] == "ok"

    database = fresh_app.workdir / "app.db"
    files = [database, *(p for p in (Path(f"{database}-wal"), Path(f"{database}-shm")) if p.exists())]
    assert database.exists()
    assert Path(f"{database}-wal") in files  # WAL mode: the server holds it open
    assert {str(p.name): oct(_mode(p)) for p in files} == {str(p.name): oct(0o600) for p in files}
    assert _mode(fresh_app.workdir / "secrets.json") == 0o600  # as before, for comparison
