"""PostgreSQL goes away under the running app and comes back: every API answer meanwhile is
an honest 503 JSON with Retry-After, within a bound, and a page event shows the "temporarily
unavailable" toast; afterwards the app heals by itself.

Real parts only: a PostgreSQL cluster of this module's own (the session's shared one
serves other modules, which must not see it crash), the API with its per-worker lifespan
under granian (WorkerApiServer), real HTTP and a real SSE client. The database is stopped
with `pg_ctl -m immediate` (backends killed, no clean shutdown) and started again.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from notification_center.state.notifications_state import NotificationsState
from notification_center.state.outage_toast import OUTAGE_TITLE
from tests.support.api_server import WorkerApiServer
from tests.support.event_socket import EventSocket, Frame
from tests.support.processes import AppServer, PostgresServer, free_port
from tests.support.sse import StreamReader

pytestmark = pytest.mark.slow

BOUND = 10.0  # seconds a request may take to answer while the database is away
HEAL = 30.0  # seconds the app may take to answer normally again once it is back


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="nc-pg-outage-"))
    server = PostgresServer(free_port(), data_dir).start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def outage_app(own_postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerApiServer]:
    url = own_postgres.create_database(f"outage_{secrets.token_hex(4)}")
    env = {
        "REFLEX_DB_URL": url,
        "NC_PING_INTERVAL_SECONDS": "1",
        "NC_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "NC_DEPENDENCY_PROBE_SECONDS": "0.3",
    }
    server = WorkerApiServer(tmp_path_factory.mktemp("outage"), env).start()
    server.create_user("op", "op-password-123", "operator")
    server.create_user("alice", "alice-password-123", "user")
    yield server
    server.stop()


def _count(url: str, sql: str, **params: object) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql), params).scalar_one())
    finally:
        engine.dispose()


async def _timed(call: Callable[[], Awaitable[httpx.Response]]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call()
    return response, time.monotonic() - started


def _assert_outage_answer(response: httpx.Response, elapsed: float, what: str, reason: str) -> None:
    assert response.status_code == 503, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/json"), what
    body = response.json()
    assert body["error"].startswith(f"the database {reason}"), (what, body)
    assert int(response.headers["retry-after"]) == body["retryAfter"] > 0, what
    assert elapsed < BOUND, f"{what} took {elapsed:.1f}s"


async def _stream_status(client: httpx.AsyncClient) -> httpx.Response:
    async with client.stream("GET", "/api/notifications/stream") as response:
        if response.status_code != 200:
            await response.aread()
        return response


async def _poll(call: Callable[[], Awaitable[httpx.Response]], ok: int, timeout: float) -> float:
    """Seconds until `call` answers `ok` (polling, never a fixed sleep)."""
    started = time.monotonic()
    while True:
        try:
            if (await call()).status_code == ok:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        assert time.monotonic() - started < timeout, f"no {ok} after {timeout}s"
        await asyncio.sleep(0.2)


def _send(op: httpx.AsyncClient, title: str) -> Callable[[], Awaitable[httpx.Response]]:
    return lambda: op.post("/api/notifications", json={"title": title, "recipients": ["alice"]})


async def test_a_read_only_database_refuses_sends_with_503_and_keeps_reads(outage_app, own_postgres):
    op = outage_app.async_login("op", "op-password-123")
    alice = outage_app.async_login("alice", "alice-password-123")
    admin = sa.create_engine(own_postgres.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:  # as a standby or a full disk's emergency setting would be
            conn.execute(sa.text("ALTER SYSTEM SET default_transaction_read_only = on"))
            conn.execute(sa.text("SELECT pg_reload_conf()"))
        deadline = time.monotonic() + HEAL
        while True:  # the reload reaches the pooled backends at their next command
            response, elapsed = await _timed(_send(op, "read-only"))
            if response.status_code == 503 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        _assert_outage_answer(response, elapsed, "send to a read-only database", "is read-only")
        assert (await alice.get("/api/notifications")).status_code == 200  # reading still works
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("ALTER SYSTEM RESET default_transaction_read_only"))
            conn.execute(sa.text("SELECT pg_reload_conf()"))
        admin.dispose()
    await _poll(_send(op, "writable again"), 201, HEAL)
    url = outage_app.env()["REFLEX_DB_URL"]
    assert _count(url, "SELECT count(*) FROM nc_notifications WHERE title = 'read-only'") == 0
    assert _count(url, "SELECT count(*) FROM nc_sends WHERE title = 'read-only'") == 0
    await op.aclose()
    await alice.aclose()


async def test_postgresql_stopped_abruptly_answers_503_then_heals(outage_app, own_postgres):
    op = outage_app.async_login("op", "op-password-123")
    alice = outage_app.async_login("alice", "alice-password-123")
    anonymous = httpx.AsyncClient(base_url=outage_app.url, timeout=30)
    stream = await StreamReader(alice).start()
    try:
        await stream.wait_for(lambda r: r.of_type("connected"))
        before = await _send(op, "acknowledged before")()
        assert before.status_code == 201, before.text
        [before_id] = before.json()["ids"]
        await stream.wait_notifications(1)
        # Due while the database is away: the scheduler pauses, then sends it once.
        due = datetime.now(UTC) + timedelta(seconds=1.5)
        scheduled = await op.post(
            "/api/notifications", json={"title": "due during", "recipients": ["alice"], "sendAt": due.isoformat()}
        )
        assert scheduled.status_code == 202, scheduled.text

        own_postgres.crash()
        timings: dict[str, float] = {}
        calls = {
            "POST /api/notifications": _send(op, "refused during"),
            "GET /api/notifications": lambda: alice.get("/api/notifications"),
            "GET /api/notifications/stream": lambda: _stream_status(alice),
            "POST /api/auth/login": lambda: anonymous.post(
                "/api/auth/login", json={"username": "alice", "password": "alice-password-123"}
            ),
        }
        for _ in range(2):  # the first call finds the pool's broken connections, the second none
            for what, call in calls.items():
                response, elapsed = await _timed(call)
                _assert_outage_answer(response, elapsed, what, "cannot be reached")
                timings[what] = max(timings.get(what, 0.0), elapsed)
        health, elapsed = await _timed(lambda: anonymous.get("/api/health"))
        assert health.status_code == 503 and health.json()["status"] == "degraded" and elapsed < BOUND
        timings["GET /api/health"] = elapsed
        # Stay away past the scheduled send's due time and a few scheduler ticks and probes.
        await asyncio.sleep(max((due - datetime.now(UTC)).total_seconds(), 0) + 1.5)
        away = _metrics(await anonymous.get("/metrics"))
        assert away['nc_dependency_up{dependency="database"}'] == 0
        assert away['nc_dependency_degraded_seconds_total{dependency="database"}'] > 0
        assert away['nc_dependency_errors_total{dependency="database",reason="cannot be reached"}'] >= 8

        own_postgres.resume()
        healed = {what: await _poll(call, ok, HEAL) for what, call, ok in _healing_calls(op, alice, anonymous)}
        print(f"\nworst time to 503 while away: {timings}\ntime to heal after restart: {healed}")

        after = await _send(op, "acknowledged after")()
        assert after.status_code == 201, after.text
        healed_title = "healed send"  # from the polling above: it was acknowledged too
        # The stream open through the outage is still live and gets what is sent now, once;
        # the send that fell due meanwhile went out once, after the database came back.
        await stream.wait_for(lambda r: len(r.of_type("notification")) >= 4, timeout=HEAL)
        titles = [e.data["title"] for e in stream.of_type("notification")]
        assert sorted(titles) == sorted(["acknowledged before", healed_title, "due during", "acknowledged after"])
        assert titles[0] == "acknowledged before", titles
        assert (
            _count(
                url := outage_app.env()["REFLEX_DB_URL"],
                "SELECT count(*) FROM nc_notifications WHERE title = 'due during'",
            )
            == 1
        )
        back = _metrics(await anonymous.get("/metrics"))
        assert (
            back['nc_dependency_degraded_seconds_total{dependency="database"}']
            >= away['nc_dependency_degraded_seconds_total{dependency="database"}']
        )
        assert await _until_up(anonymous), "nc_dependency_up never went back to 1"
        listed = (await alice.get("/api/notifications", params={"limit": 50})).json()["items"]
        assert [n["title"] for n in listed].count("acknowledged before") == 1
        assert before_id in [n["id"] for n in listed]
        assert _count(url, "SELECT count(*) FROM nc_notifications WHERE title = 'refused during'") == 0
        assert _count(url, "SELECT count(*) FROM nc_sends WHERE title = 'refused during'") == 0
        assert (await _stream_status(alice)).status_code == 200
    finally:
        if not _is_up(own_postgres):
            own_postgres.resume()
        await stream.close()
        for client in (op, alice, anonymous):
            await client.aclose()


def _metrics(response: httpx.Response) -> dict[str, float]:
    """Prometheus text as {"name{labels}": value} (comments left out)."""
    assert response.status_code == 200, response.text
    found = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


async def _until_up(client: httpx.AsyncClient) -> bool:
    deadline = time.monotonic() + HEAL
    while time.monotonic() < deadline:
        if _metrics(await client.get("/metrics")).get('nc_dependency_up{dependency="database"}') == 1:
            return True
        await asyncio.sleep(0.2)
    return False


def _healing_calls(
    op: httpx.AsyncClient, alice: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> list[tuple[str, Callable[[], Awaitable[httpx.Response]], int]]:
    return [
        ("GET /api/health", lambda: anonymous.get("/api/health"), 200),
        ("POST /api/notifications", _send(op, "healed send"), 201),
        ("GET /api/notifications", lambda: alice.get("/api/notifications"), 200),
    ]


def _is_up(server: PostgresServer) -> bool:
    try:
        _count(server.url, "SELECT 1")
        return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(scope="module")
def outage_page_app(own_postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The whole app (pages and their event socket) on the same cluster, its own database."""
    url = own_postgres.create_database(f"outage_pages_{secrets.token_hex(4)}")
    server = AppServer(tmp_path_factory.mktemp("outage-pages"), {"REFLEX_DB_URL": url}).start()
    server.create_user("bob", "bob-password-123", "user")
    server.create_user("op", "op-password-123", "operator")
    yield server
    server.stop()


def _text(frames: list[Frame]) -> str:
    """The frames as text, events decoded (the wire escapes non-ASCII such as the dash)."""
    return "\n".join(
        frame.raw if frame.data is None else json.dumps(frame.data, ensure_ascii=False) for frame in frames
    )


def _shows_outage_toast(frames: list[Frame]) -> bool:
    # The toast travels as JavaScript, where the title's dash is written \u2014.
    return all(part in _text(frames) for part in OUTAGE_TITLE.split(" — "))


def test_a_page_event_during_the_outage_toasts_and_works_again_after(outage_page_app, own_postgres):
    client = outage_page_app.login("bob", "bob-password-123")
    operator = outage_page_app.login("op", "op-password-123")
    tab = EventSocket(outage_page_app.url, cookie=f"nc_session={client.cookies['nc_session']}", timeout=15)
    resync = f"{NotificationsState.get_full_name()}.resync"
    try:
        tab.connect(pathname="/")
        tab.call(f"{NotificationsState.get_full_name()}.load", {})
        own_postgres.crash()
        started = time.monotonic()
        frames = tab.call(resync, {}, timeout=BOUND) + tab.drain(quiet=0.5, timeout=BOUND)
        elapsed = time.monotonic() - started
        print(f"\npage event answered with the outage toast in {elapsed:.2f}s")
        assert _shows_outage_toast(frames), _text(frames)[:2000]
        assert "An error occurred" not in _text(frames)  # not Reflex's generic error
        assert "/login" not in _text(frames)  # the outage is not taken for a signed-out tab
        assert elapsed < BOUND + 1

        own_postgres.resume()
        deadline = time.monotonic() + HEAL
        while True:  # heals without a new socket, a reload or a new sign-in
            sent = operator.post("/api/notifications", json={"title": "after the outage", "recipients": ["bob"]})
            if sent.status_code == 201:
                break
            assert time.monotonic() < deadline, sent.text
            time.sleep(0.2)
        frames = tab.call(resync, {}, timeout=BOUND)
        assert "after the outage" in _text(frames) and not _shows_outage_toast(frames)
    finally:
        if not _is_up(own_postgres):
            own_postgres.resume()
        tab.close()
        client.close()
        operator.close()


def test_a_page_in_chromium_shows_the_outage_and_recovers_by_itself(outage_page_app, own_postgres):
    """The same outage as a person sees it: the click that needs the database shows the
    "temporarily unavailable" toast and changes nothing; once the database is back the same
    page, without a reload, does what the next click asks."""
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.conftest import CHROMIUM, LAUNCH_ARGS
    from tests.e2e.helpers import item, toast, wait_connected

    client = outage_page_app.login("bob", "bob-password-123")
    operator = outage_page_app.login("op", "op-password-123")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            context = browser.new_context(base_url=outage_page_app.url)
            context.set_default_timeout(20_000)
            context.add_cookies(
                [{"name": "nc_session", "value": client.cookies["nc_session"], "url": outage_page_app.url}]
            )
            page = context.new_page()
            page.goto("/")
            wait_connected(page)
            sent = operator.post("/api/notifications", json={"title": "unread through it", "recipients": ["bob"]})
            (notification_id,) = sent.json()["ids"]
            expect(item(page, notification_id)).to_have_attribute("data-read", "false")

            own_postgres.crash()
            page.get_by_test_id("mark-all-read").click()
            expect(toast(page, OUTAGE_TITLE)).to_be_visible(timeout=BOUND * 1000)
            expect(item(page, notification_id)).to_have_attribute("data-read", "false")
            expect(page).not_to_have_url(re.compile("/login"))

            own_postgres.resume()
            deadline = time.monotonic() + HEAL
            while operator.get("/api/health").status_code != 200:
                assert time.monotonic() < deadline, "the database never came back"
                time.sleep(0.2)
            page.get_by_test_id("mark-all-read").click()
            expect(item(page, notification_id)).to_have_attribute("data-read", "true")
            expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
            browser.close()
    finally:
        if not _is_up(own_postgres):
            own_postgres.resume()
        client.close()
        operator.close()
