"""SQLite that cannot write (issue 23, item 4), while the app runs: the database file on a
real filesystem that fills up, and a database file made read-only under the app. Sends answer
503 JSON naming the cause ("has no space left", "is read-only") and leave no rows; reads keep
working; once it can write again the app takes sends without a restart and the file passes
SQLite's integrity check.

The full disk is a small tmpfs mounted for this module; the read-only file is made immutable
(`chattr +i`, on the ext4 of the temp folder), the one way to stop root writing to a file it
holds open: root ignores file modes, and Linux refuses to remount a filesystem read-only while
a file on it is open for writing. (Its shared-memory `-shm` file stays writable: SQLite maps it,
and an immutable mapping kills the process instead of failing a write.) A machine that refuses
the mount or the attribute fails the test, saying so."""

from __future__ import annotations

import secrets
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.api_server import WorkerApiServer

pytestmark = pytest.mark.slow


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    where = tmp_path_factory.mktemp("small-disk")
    made = _mount("-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(where))
    if made.returncode != 0:
        pytest.fail(f"this test needs to mount a tmpfs (run as root): {made.stderr.strip()}")
    try:
        yield where
    finally:
        _mount("-o", "remount,rw", str(where))
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture(scope="module")
def app(small_disk: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerApiServer]:
    env = {"REFLEX_DB_URL": f"sqlite:///{small_disk / 'app.db'}"}
    server = WorkerApiServer(tmp_path_factory.mktemp("sqlite-faults"), env).start()
    server.create_user("op", "op-password-123", "operator")
    server.create_user("alice", "alice-password-123", "user")
    yield server
    server.stop()


def _send(op: httpx.Client, title: str) -> httpx.Response:
    return op.post("/api/notifications", json={"title": title, "content": "x" * 2000, "recipients": ["alice"]})


def _fill(disk: Path) -> Path:
    """Write a file until the filesystem has no byte left."""
    filler = disk / "filler"
    # Unbuffered: a buffered file would still hold bytes at close, and that flush fails too.
    with filler.open("wb", buffering=0) as handle:
        chunk = b"\0" * 65536
        try:
            while True:
                handle.write(chunk)
        except OSError:
            pass
        try:  # the last pages, smaller than a chunk
            while handle.write(b"\0" * 512):
                pass
        except OSError:
            pass
    return filler


def _rows(db: Path, title: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM nc_notifications WHERE title = ?", (title,)).fetchone()[0]


def _integrity(db: Path) -> str:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _assert_503(response: httpx.Response, cause: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"].startswith(f"the database {cause}"), body
    assert int(response.headers["retry-after"]) == body["retryAfter"] > 0


def test_a_full_disk_answers_503_naming_it_and_heals_without_a_restart(app: WorkerApiServer, small_disk: Path) -> None:
    db = small_disk / "app.db"
    op = app.login("op", "op-password-123")
    alice = app.login("alice", "alice-password-123")
    assert _send(op, "before").status_code == 201

    filler = _fill(small_disk)
    refused = f"while full {secrets.token_hex(2)}"
    for _ in range(3):  # enough rows that the pages SQLite needs cannot come from free ones
        _assert_503(_send(op, refused), "has no space left")
    assert alice.get("/api/notifications").status_code == 200  # reads still work
    filler.unlink()
    assert _send(op, "after space came back").status_code == 201
    assert _rows(db, refused) == 0
    assert _integrity(db) == "ok"

    assert _send(op, "after it was writable again").status_code == 201
    titles = [n["title"] for n in alice.get("/api/notifications", params={"limit": 50}).json()["items"]]
    assert titles == ["after it was writable again", "after space came back", "before"]
    assert _integrity(db) == "ok"


@pytest.fixture(scope="module")
def ext4_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WorkerApiServer, Path]]:
    folder = tmp_path_factory.mktemp("sqlite-read-only")
    db = folder / "data" / "app.db"
    db.parent.mkdir()
    server = WorkerApiServer(folder / "server", {"REFLEX_DB_URL": f"sqlite:///{db}"}).start()
    server.create_user("op", "op-password-123", "operator")
    server.create_user("alice", "alice-password-123", "user")
    yield server, db
    server.stop()


def _immutable(files: list[Path], on: bool) -> None:
    done = subprocess.run(["chattr", "+i" if on else "-i", *map(str, files)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"this test needs chattr on the temp folder's filesystem (run as root): {done.stderr.strip()}")


def test_a_read_only_database_file_answers_503_naming_it_and_heals_without_a_restart(ext4_app) -> None:
    app, db = ext4_app
    op = app.login("op", "op-password-123")
    alice = app.login("alice", "alice-password-123")
    assert _send(op, "before").status_code == 201

    files = [f for f in (db, db.with_name(db.name + "-wal")) if f.exists()]
    refused = f"while read-only {secrets.token_hex(2)}"
    _immutable(files, True)
    try:
        for _ in range(3):  # a pooled connection (SQLite says "disk I/O error") and new ones
            _assert_503(_send(op, refused), "is read-only")
        assert alice.get("/api/notifications").status_code == 200  # reads still work
    finally:
        _immutable(files, False)
    assert _send(op, "after it was writable again").status_code == 201
    assert _rows(db, refused) == 0
    assert _integrity(db) == "ok"
    titles = [n["title"] for n in alice.get("/api/notifications", params={"limit": 50}).json()["items"]]
    assert titles == ["after it was writable again", "before"]
