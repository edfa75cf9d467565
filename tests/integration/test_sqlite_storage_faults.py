"""SQLite that cannot write (issue 23, item 4): the database file on a real filesystem that
fills up. Sends answer 503 JSON naming the cause ("has no space left") and leave no rows;
reads keep working; once there is space again the app takes sends without a restart and
the file passes SQLite's integrity check.

The filesystem is a small tmpfs mounted for this module (the suite runs as root here; a
machine that refuses the mount fails the test, saying so). A read-only database is tried
on PostgreSQL (test_database_outage.py): Linux refuses to remount a filesystem read-only
while the app holds its database file open for writing, and root ignores file modes."""

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
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def _rows(db: Path, title: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM notifications WHERE title = ?", (title,)).fetchone()[0]


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
