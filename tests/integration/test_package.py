"""The package (issue 19): a wheel built from this repository installs into a fresh virtualenv
and works from there, away from the checkout: its migrations and the page's JS travel inside
it, its metadata declares the runtime dependencies (and not the test tools).

The fresh virtualenv gets the package from the wheel only (tests/support/wheel_venv.py).
"""

from __future__ import annotations

import email
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.support.processes import ROOT
from tests.support.wheel_venv import build_wheel, install_into_fresh_venv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def venv_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_into_fresh_venv(wheel, tmp_path_factory.mktemp("venv"))


def test_the_wheel_carries_the_package_its_migrations_and_its_js(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "notification_center/api/stream.py" in names
    migrations = sorted(n for n in names if n.startswith("notification_center/_alembic/versions/"))
    assert not [n for n in names if "__pycache__" in n]
    repo_migrations = sorted(p.name for p in (ROOT / "alembic" / "versions").glob("*.py"))
    assert [Path(n).name for n in migrations] == repo_migrations
    assert "notification_center/_alembic/env.py" in names
    for js in ("notification_stream.js", "sw.js", "push_browser.js", "page_visibility.js", "bell_keys.js"):
        assert f"notification_center/web/{js}" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "examples/", ".web/"))]


def test_its_metadata_declares_runtime_dependencies_and_keeps_test_tools_apart(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(archive.read(meta))
    requires = metadata.get_all("Requires-Dist")
    plain = {r.split(";")[0].strip() for r in requires if "extra ==" not in r}
    assert "reflex==0.10.1" in plain and any(r.startswith("sqlmodel") for r in plain)
    assert not any(r.startswith(("pytest", "playwright", "ruff", "hypothesis")) for r in plain)
    assert any(r.startswith("pytest") and r.replace('"', "'").endswith("extra == 'test'") for r in requires)


def test_installed_it_migrates_a_database_from_anywhere(venv_python: Path, tmp_path: Path) -> None:
    env = {
        "PATH": str(venv_python.parent),
        "REFLEX_DB_URL": f"sqlite:///{tmp_path / 'host.db'}",
        "NC_SECRETS_FILE": str(tmp_path / "secrets.json"),
        "NC_SECRET_KEY": "package-test-secret-key-of-32-characters",
    }
    where = subprocess.run(
        [str(venv_python), "-c", "import notification_center; print(notification_center.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(venv_python.parent.parent)), where  # from the wheel, not the checkout
    migrated = subprocess.run(
        [str(venv_python.parent / "notification-center"), "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(tmp_path / "host.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        (version,) = db.execute("SELECT version_num FROM nc_alembic_version").fetchone()
    assert {"nc_notifications", "nc_users", "nc_deliveries", "nc_bulk_undo_rows"} <= tables
    assert version == sorted(p.stem for p in (ROOT / "alembic" / "versions").glob("0*.py"))[-1]
