"""`python -m notification_center keys create|list|revoke` against the shared app's database."""

from __future__ import annotations

import re

import httpx

from tests.support.processes import AppServer


def test_keys_create_list_revoke_from_the_shell(app_server: AppServer, make_account):
    frank = make_account(prefix="frank")
    created = app_server.cli("keys", "create", "cron-job", "--expires-in-days=30")
    assert created.returncode == 0
    secret = created.stdout.strip().splitlines()[-1]
    key_id = re.search(r"created API key (key_[0-9a-f]{24})", created.stdout).group(1)
    assert secret.startswith(f"nck_{key_id}_") and "shown this once" in created.stdout

    url = app_server.url + "/api/notifications"
    body = {"title": "From cron", "recipients": [frank.username]}
    assert httpx.post(url, json=body, headers={"Authorization": f"Bearer {secret}"}).status_code == 201

    listed = app_server.cli("keys", "list").stdout
    line = next(row for row in listed.splitlines() if row.startswith(key_id))
    assert "active" in line and "cron-job" in line and "last used 20" in line
    assert secret not in listed and secret.removeprefix(f"nck_{key_id}_") not in listed

    revoked = app_server.cli("keys", "revoke", key_id)
    assert revoked.returncode == 0 and key_id in revoked.stdout
    refused = httpx.post(url, json=body, headers={"Authorization": f"Bearer {secret}"})
    assert (refused.status_code, refused.json()["error"]) == (401, "this API key was revoked")
    assert "revoked" in next(row for row in app_server.cli("keys", "list").stdout.splitlines() if key_id in row)


def test_keys_cli_refuses_bad_input_with_a_message(app_server: AppServer):
    unknown = app_server.cli("keys", "revoke", "key_nope", check=False)
    assert unknown.returncode == 2 and "no API key 'key_nope'" in unknown.stderr
    blank = app_server.cli("keys", "create", "   ", check=False)
    assert blank.returncode == 2 and "name" in blank.stderr
    negative = app_server.cli("keys", "create", "x", "--expires-in-days=-1", check=False)
    assert negative.returncode == 2 and "expires-in-days" in negative.stderr
    assert "Traceback" not in unknown.stderr + blank.stderr + negative.stderr
