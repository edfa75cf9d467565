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
