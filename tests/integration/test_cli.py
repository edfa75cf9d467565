"""`python -m notification_center create-user` and the run command's first-run admin."""

from __future__ import annotations

import json

import httpx

from tests.support.processes import AppServer


def test_create_user_then_update_password_and_role(app_server: AppServer):
    first = app_server.cli("create-user", "cli-carol", "--password=first-password")
    assert first.returncode == 0
    assert "cli-carol" in first.stdout
    login = httpx.post(app_server.url + "/api/auth/login", json={"username": "cli-carol", "password": "first-password"})
    assert login.json()["role"] == "user"

    again = app_server.cli("create-user", "cli-carol", "--password=second-password", "--role=operator")
    assert again.returncode == 0
    old = httpx.post(app_server.url + "/api/auth/login", json={"username": "cli-carol", "password": "first-password"})
    assert old.status_code == 401
    new = httpx.post(app_server.url + "/api/auth/login", json={"username": "cli-carol", "password": "second-password"})
    assert new.json()["role"] == "operator"


def test_create_user_rejects_bad_input_with_a_message(app_server: AppServer):
    short = app_server.cli("create-user", "cli-dave", "--password=short", check=False)
    assert short.returncode != 0
    assert "at least 8" in short.stderr
    bad_name = app_server.cli("create-user", "bad name!", "--password=long-enough", check=False)
    assert bad_name.returncode != 0
    assert "username" in bad_name.stderr
    bad_role = app_server.cli("create-user", "cli-erin", "--password=long-enough", "--role=root", check=False)
    assert bad_role.returncode != 0


def test_first_run_creates_admin_once_with_a_random_password(tmp_path):
    server = AppServer(tmp_path / "fresh")
    out = server.cli("prestart")
    password = json.loads((tmp_path / "fresh" / "secrets.json").read_text())["admin_password"]
    assert password in out.stdout
    assert len(password) >= 12
    second = server.cli("prestart")
    assert password not in second.stdout  # printed once, not on every start
    other = AppServer(tmp_path / "other").cli("prestart")
    assert password not in other.stdout  # never a fixed default


def test_the_first_admin_password_is_forgotten_once_changed(tmp_path):
    server = AppServer(tmp_path / "first-admin")
    secrets_file = tmp_path / "first-admin" / "secrets.json"
    server.cli("prestart")
    first = json.loads(secrets_file.read_text())["admin_password"]

    changed = server.cli("create-user", "admin", "--password=a-new-admin-password", "--role=operator")
    assert changed.returncode == 0
    assert "admin_password" not in json.loads(secrets_file.read_text())
    assert first not in secrets_file.read_text()

    # A copy left by an older version is dropped at the next start, once it no longer works.
    secrets_file.write_text(json.dumps({"admin_password": first}))
    server.cli("prestart")
    assert "admin_password" not in json.loads(secrets_file.read_text())


def test_a_short_secret_key_stops_the_start_with_a_clear_message(tmp_path):
    server = AppServer(tmp_path / "short-key", {"NC_SECRET_KEY": "too-short"})
    result = server.cli("prestart", check=False)
    assert result.returncode != 0
    assert "NC_SECRET_KEY must be at least 32 characters" in result.stderr
    assert "Traceback" not in result.stderr
