"""A Reflex app of its own mounts the notification center (issue 19): the wheel, installed
into a fresh virtualenv, serves examples/host_app (its own table, sign-in and page) with
`reflex run --env prod --single-port` and in dev mode (`reflex run`: Vite with hot reload
and the backend on two ports), and Chromium drives it: the host's signed-in member
gets the bell in the host's header with no second sign-in, a notification sent from the
host's Python code arrives live and is read; signing out of the host ends the session and
its stream; forged or expired identity tokens are refused; the host's table is untouched.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, expect

from notification_center.state.notifications_state import NotificationsState
from tests.support.event_socket import ROOT_STATE, EventSocket
from tests.support.processes import ROOT, free_port
from tests.support.waiting import wait_for
from tests.support.wheel_venv import build_wheel, install_into_fresh_venv

pytestmark = pytest.mark.slow

MEMBER, PASSWORD = "hana", "host-password-1"
SECRET_KEY = "host-app-test-secret-key-of-40-characters"


def _wait_until_up(urls: list[str], proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the host app exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
        try:
            if all(httpx.get(url, timeout=5).status_code == 200 for url in urls):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the host app did not answer within {timeout} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel in a fresh virtualenv: its python."""
    root = tmp_path_factory.mktemp("host-venv")
    return install_into_fresh_venv(build_wheel(root / "dist"), root / "venv")


@pytest.fixture(scope="module", params=["prod", "dev"])
def host_app(request: pytest.FixtureRequest, installed: Path, tmp_path_factory) -> Iterator[tuple[str, Path, str]]:
    """examples/host_app served by `reflex run`: `--env prod --single-port` (one port), or
    dev mode (Vite with hot reload on one port, the backend on another). Yields the pages'
    URL, the database file and the backend's URL (Reflex's event socket)."""
    mode = request.param
    root = tmp_path_factory.mktemp(f"host-{mode}")
    app_dir = root / "host_app"
    shutil.copytree(ROOT / "examples" / "host_app", app_dir)
    shutil.copytree(ROOT / "reflex.lock", app_dir / "reflex.lock")  # the same frontend packages, no resolve
    # Outside the app folder: Reflex 0.10.1's dev-mode reloader watches a database file there,
    # and every write to its -wal/-shm neighbours restarts the backend (README, dev mode).
    database = root / "host_app.db"
    env = {
        **os.environ,
        "REFLEX_DB_URL": f"sqlite:///{database}",
        "NC_SECRETS_FILE": str(root / "secrets.json"),
        "NC_SECRET_KEY": SECRET_KEY,
        "NC_PING_INTERVAL_SECONDS": "1",
        "PYTHONPATH": "",
    }
    migrate = [str(installed.parent / "notification-center"), "migrate"]
    subprocess.run(migrate, cwd=app_dir, env=env, check=True, timeout=300)
    with sqlite3.connect(database) as db:  # the host's own table, made its own way
        db.execute("CREATE TABLE host_members (id INTEGER PRIMARY KEY, name VARCHAR UNIQUE, password_hash VARCHAR)")
        db.execute(
            "INSERT INTO host_members (name, password_hash) VALUES (?, ?)", (MEMBER, PasswordHasher().hash(PASSWORD))
        )
    port = free_port()
    command = [str(installed), "-m", "reflex", "run", "--frontend-port", str(port)]
    if mode == "prod":
        command += ["--env", "prod", "--single-port"]
        url, backend = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}"
    else:
        backend_port = free_port()
        command += ["--env", "dev", "--backend-port", str(backend_port)]
        url, backend = f"http://localhost:{port}", f"http://127.0.0.1:{backend_port}"
    log = root / "host_app.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=app_dir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        # In dev mode the page's origin is Vite's: /api/health through it is the proxy at work.
        _wait_until_up([url + "/", backend + "/api/health", url + "/api/health"], proc, log)
        yield url, database, backend
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _derived_secret() -> str:
    return hmac.new(SECRET_KEY.encode(), b"notification-center host identity", hashlib.sha256).hexdigest()


def _token(sub: str, secret: str, **claims) -> str:
    now = int(time.time())
    body = {"sub": sub, "aud": "notification-center", "iat": now, "exp": now + 60, **claims}
    return jwt.encode(body, secret, algorithm="HS256")


def test_a_host_member_gets_the_bell_without_a_second_sign_in(host_app, browser: Browser) -> None:
    url, database, _ = host_app
    context = browser.new_context(base_url=url, viewport={"width": 1100, "height": 800})
    try:
        page = context.new_page()
        page.goto("/")
        page.fill("#host-name", MEMBER)
        page.fill("#host-password", PASSWORD)
        page.click("#host-sign-in")
        # The bell's exchange signed the member in here and reloaded: the host page, its bell.
        expect(page.locator("#host-member")).to_have_text(MEMBER)
        expect(page.get_by_test_id("bell-button")).to_be_visible()
        # The exchange (a fetch, then a reload) completes after the host's page shows the bell.
        deadline = time.monotonic() + 30
        while not (me := context.request.get("/api/auth/me")).ok:
            assert time.monotonic() < deadline, f"never signed in here: {me.status} {me.text()}"
            time.sleep(0.2)
        assert me.json()["username"] == MEMBER
        # ... and the page loaded again, and its stream is live before the host sends.
        page.wait_for_function("performance.getEntriesByType('navigation')[0].type === 'reload'")
        page.wait_for_function("window.ncNotificationStream && window.ncNotificationStream.status().isConnected")
        assert "/login" not in page.url

        page.click("#host-send")  # the host's Python code: nc.notify(member, ...)
        expect(page.get_by_test_id("bell-badge")).to_have_attribute("data-count", "1")
        page.get_by_test_id("bell-button").click()
        expect(page.get_by_test_id("bell-panel")).to_contain_text("Hello from my app")
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / "host-app-bell.png"))  # the README walk-through's picture
        page.get_by_test_id("bell-mark-read").first.click()
        # The click's event is handled after the click returns: wait for its write, then check it.
        wait_for(
            lambda: all(n["readAt"] for n in context.request.get("/api/notifications").json()["items"]),
            timeout=20,
            what="the mark-read",
        )
        items = context.request.get("/api/notifications").json()["items"]
        assert [(n["title"], n["readAt"] is not None) for n in items] == [("Hello from my app", True)]
        page.keyboard.press("Escape")

        # The full inbox on the host's own page (nc.notification_center_page()).
        page.get_by_test_id("bell-button").click()
        page.get_by_test_id("bell-open-inbox").click()
        expect(page).to_have_url(url + "/inbox")
        expect(page.get_by_test_id("unread-count")).to_have_text("0")
        expect(page.get_by_test_id("notification-item")).to_have_count(1)
        expect(page.get_by_test_id("notification-item")).to_contain_text("Hello from my app")
        expect(page.get_by_test_id("logout-all-button")).to_have_count(0)  # signing out is the host's
        expect(page.locator("#host-sign-out")).to_be_visible()
        page.goto("/")
        expect(page.locator("#host-member")).to_have_text(MEMBER)  # still signed in to the host

        page.click("#host-sign-out")  # nc.sign_out(member): this session and its streams end
        expect(page.locator("#host-sign-in")).to_be_visible()
        deadline = time.monotonic() + 10
        while context.request.get("/api/auth/me").status != 401:
            assert time.monotonic() < deadline, "the session outlived the host's sign-out"
            time.sleep(0.2)
        expect(page.get_by_test_id("bell-button")).to_have_count(0)
    finally:
        context.close()
    with sqlite3.connect(database) as db:  # the host's table is as it made it
        assert db.execute("SELECT name FROM host_members").fetchall() == [(MEMBER,)]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        # Ours are all prefixed, with their own version table; nothing else was added.
        assert {t for t in tables if not t.startswith(("nc_", "sqlite_"))} == {"host_members"}, tables


def test_forged_and_expired_identity_tokens_are_refused(host_app) -> None:
    url, _, _ = host_app
    with httpx.Client(base_url=url) as client:
        forged = client.post("/api/auth/host", json={"token": _token(MEMBER, "not-the-secret-" * 4)})
        assert forged.status_code == 401 and "signature" in forged.json()["error"]
        # Signed right (the secret install() derives when the host set none), but expired.
        expired = _token(MEMBER, _derived_secret(), exp=int(time.time()) - 3600)
        answer = client.post("/api/auth/host", json={"token": expired})
        assert answer.status_code == 401 and "expired" in answer.json()["error"]
        assert not client.cookies


def test_the_event_guard_keeps_the_host_handlers_and_still_refuses_setvar_on_ours(host_app) -> None:
    """In a host app the guard leaves the host's own handlers to the host (they have no access
    rule of ours), while a hostile call of this package's `setvar` is still refused."""
    _, _, backend = host_app
    tab = EventSocket(backend)
    try:
        tab.connect(pathname="/")
        ours = f"{NotificationsState.get_full_name()}.setvar"
        refused = "\n".join(f.raw for f in tab.call(ours, {"var_name": "unread_count", "value": 99}))
        assert "Not allowed" in refused
        host_sign_in = f"{ROOT_STATE}.host_app___host_app____host_auth.sign_in"
        answered = "\n".join(f.raw for f in tab.call(host_sign_in, {"form": {"name": MEMBER, "password": "wrong"}}))
        assert "Wrong name or password" in answered and "Not allowed" not in answered
    finally:
        tab.close()
