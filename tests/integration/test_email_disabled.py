"""Without NC_SMTP_URL there is no email: addresses cannot be set through the API and nothing
is queued, even for users with a confirmed address. A bad NC_SMTP_URL stops the start."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import APP_ENV
from tests.support.api_server import WorkerApiServer
from tests.support.processes import ROOT


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerApiServer]:
    app = WorkerApiServer(Path(tmp_path_factory.mktemp("no-email-app")), {**APP_ENV, "NC_SMTP_URL": ""})
    app.start()
    yield app
    app.stop()


def test_no_smtp_means_no_email_at_all(server):
    op, name = f"op{secrets.token_hex(4)}", f"u{secrets.token_hex(4)}"
    server.create_user(op, "operator-password-1", "operator")
    server.cli("create-user", name, "--password=user-password-1", f"--email={name}@example.com")
    operator, client = server.login(op, "operator-password-1"), server.login(name, "user-password-1")
    r = client.put("/api/email/address", json={"email": f"{name}@example.net"})
    assert r.status_code == 409 and r.json()["field"] == "email"
    assert client.put("/api/preferences", json={"preferences": {"general": {"email": "always"}}}).status_code == 200
    title = f"t{secrets.token_hex(3)}"
    assert operator.post("/api/notifications", json={"title": title, "recipients": [name]}).status_code == 201
    (item,) = [i for i in operator.get("/api/history").json()["items"] if i["title"] == title]
    (recipient,) = operator.get(f"/api/history/{item['id']}").json()["recipients"]
    assert "email" not in recipient["channels"]


def test_a_bad_smtp_url_stops_the_start_with_a_clear_message(server):
    env = {**server.env(), "NC_SMTP_URL": "smtp://mailer:hunter2-secret@mail.example.com/inbox"}
    for command in (["-m", "notification_center", "prestart"], ["-m", "notification_center.serve"]):
        done = subprocess.run(
            [sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode != 0
        assert "configuration error: NC_SMTP_URL takes no path" in done.stderr
        assert "Traceback" not in done.stderr
        assert "hunter2-secret" not in done.stderr
