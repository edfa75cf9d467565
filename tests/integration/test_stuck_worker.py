"""A worker whose event loop is stuck: the watchdog reports it, and SIGTERM still ends the server.

The stall is real: the fault-injection route (`NC_FAULT_INJECTION=1`, api/fault_routes.py)
spins on the worker's event loop, as Reflex 0.10.1's `LiteralStringVar.create` does on a
`<reflex.Var>` tag; or the worker is stopped outright with SIGSTOP. The app runs as `make run`
serves it. Thresholds are generous: these machines are loaded.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import APP_ENV
from tests.support.processes import AppServer, child_pids, group_pids

pytestmark = pytest.mark.slow

FAULT = "/api/_fault/block-event-loop"
DRAIN_SECONDS = 4
# Granian's own shutdown besides the drain, the launcher's exit, a loaded machine.
EXIT_SLACK_SECONDS = 15


def _sample(metrics: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.MULTILINE)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


def _log_count(server: AppServer, text: str) -> int:
    return server.log_path.read_text(errors="replace").count(text)


def _wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _sigterm_and_time_the_exit(server: AppServer, drain: float) -> float:
    """SIGTERM to the launcher only (as a supervisor sends it); seconds until the whole group is gone."""
    assert server.proc is not None
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(drain + EXIT_SLACK_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the launcher did not exit within {drain + EXIT_SLACK_SECONDS} s of SIGTERM")
    # Its workers were its children: killed ones are gone once the launcher has reaped them.
    _wait_for(lambda: not group_pids(server.proc.pid), 5, f"left behind: {group_pids(server.proc.pid)}")
    return time.monotonic() - started


@pytest.fixture(scope="module")
def stalling_server(tmp_root) -> Iterator[AppServer]:
    env = dict(APP_ENV, NC_FAULT_INJECTION="1", NC_SHUTDOWN_TIMEOUT_SECONDS=str(DRAIN_SECONDS))
    server = AppServer(tmp_root / "stalling", env).start()
    yield server
    server.stop()


def test_fault_injection_is_off_by_default(app_server):
    response = httpx.post(app_server.url + FAULT, params={"seconds": "1"})
    assert response.status_code == 404
    assert response.json() == {"error": "no such API route"}
    assert FAULT not in httpx.get(app_server.url + "/api/openapi.json").json()["paths"]


def test_a_stall_is_logged_with_its_stack_and_counted_in_metrics(stalling_server):
    server = stalling_server
    for bad in ("0", "-1", "abc", "301"):
        assert httpx.post(server.url + FAULT, params={"seconds": bad}).status_code == 422, bad
    before = _sample(httpx.get(server.url + "/metrics").text, "nc_event_loop_stalls_total")
    answers: list[httpx.Response] = []
    blocker = threading.Thread(
        target=lambda: answers.append(httpx.post(server.url + FAULT, params={"seconds": "4"}, timeout=60))
    )
    blocker.start()
    _wait_for(lambda: _log_count(server, "event loop stalled") >= 1, 20, "no watchdog line while the loop spins")
    with pytest.raises(httpx.TimeoutException):  # the stall is real: the worker answers nothing
        httpx.get(server.url + "/api/health", timeout=1)
    blocker.join(60)
    assert answers and answers[0].status_code == 200, answers

    # The watchdog's thread sees the end at its next check (every 0.25 s), maybe after this
    # worker's first answers: poll briefly.
    def ended() -> bool:
        metrics = httpx.get(server.url + "/metrics").text
        assert _sample(metrics, "nc_event_loop_stalls_total") >= before + 1
        return _sample(metrics, "nc_event_loop_last_stall_seconds") >= 3

    _wait_for(ended, 10, "the stall's end is not in /metrics")
    assert _sample(httpx.get(server.url + "/metrics").text, "nc_event_loop_stalled_seconds") == 0
    log = server.log_path.read_text(errors="replace")
    line = next(line for line in log.splitlines() if "event loop stalled" in line)
    assert re.search(r"no heartbeat for \d+\.\d s", line), line
    assert "in block_event_loop" in log  # the loop thread's stack names the culprit
    assert "event loop answers again after a stall of about" in log


def test_sigterm_ends_the_server_while_its_worker_is_stuck(stalling_server):
    """Without a kill timeout granian waits forever for this worker: its SIGTERM handler
    would run on the loop that spins. This test leaves the server stopped."""
    server = stalling_server
    stalls = _log_count(server, "event loop stalled")

    def block_for_good() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the worker is killed under it
            httpx.post(server.url + FAULT, params={"seconds": "300"}, timeout=300)

    threading.Thread(target=block_for_good, daemon=True).start()
    _wait_for(lambda: _log_count(server, "event loop stalled") > stalls, 20, "the worker did not get stuck")
    assert child_pids(server.proc.pid), "no worker process"

    took = _sigterm_and_time_the_exit(server, DRAIN_SECONDS)
    print(f"stuck worker: SIGTERM -> whole group gone in {took:.1f} s (drain timeout {DRAIN_SECONDS} s)")
    assert "Killing worker-1 after it refused to gracefully stop" in server.log_path.read_text(errors="replace")


def test_sigterm_ends_a_two_worker_server_with_one_worker_stopped(tmp_root):
    """Several workers (as with Redis): one frozen outright (SIGSTOP), the other drains; the group still ends."""
    env = dict(APP_ENV, GRANIAN_WORKERS="2", NC_SHUTDOWN_TIMEOUT_SECONDS="3")
    server = AppServer(tmp_root / "two-workers", env).start()
    try:
        workers = child_pids(server.proc.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGSTOP)
        took = _sigterm_and_time_the_exit(server, 3)
        print(f"two workers, one SIGSTOPped: SIGTERM -> whole group gone in {took:.1f} s (drain timeout 3 s)")
        assert "after it refused to gracefully stop" in server.log_path.read_text(errors="replace")
    finally:
        server.stop()
