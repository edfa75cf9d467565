"""The servers under test, each started under granian with identical flags.

The app side reuses tests/support (AppServer's environment, prestart migration and user
CLI), but serves `bench.api_app:build` (the API plus its real-time lifespan, see there)
rather than ApiServer's bare `build_api`. The baseline is started with the very same
granian command line, so the only difference measured is the application code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.config import MAX_STREAMS_PER_USER
from tests.support.processes import ROOT, AppServer, _stop_group, _wait_until, free_port

HOST = "127.0.0.1"


def granian_command(target: str, port: int, *, factory: bool = False, extra: tuple[str, ...] = ()) -> list[str]:
    """One worker, loopback, ASGI: the same line for the app and the baseline."""
    granian = str(Path(sys.executable).with_name("granian"))
    cmd = [granian, "--interface", "asgi", "--workers", "1", "--host", HOST, "--port", str(port), *extra]
    if factory:
        cmd.append("--factory")
    return [*cmd, target]


def app_env(ping_seconds: float, redis_url: str | None = None) -> dict[str, str]:
    """Settings for a benchmarked app: short ping, room for every stream of one user."""
    env = {
        "NC_PING_INTERVAL_SECONDS": str(ping_seconds),
        "NC_MAX_CONNECTIONS_PER_USER": str(MAX_STREAMS_PER_USER),
        "NC_LOGIN_RATE_LIMIT": "1000/minute",
        "NC_LOGIN_IP_RATE_LIMIT": "1000/minute",
    }
    if redis_url:
        env["REFLEX_REDIS_URL"] = redis_url
    return env


@dataclass
class BenchApiServer(AppServer):
    """The app's HTTP API (SQLite in workdir) under granian, migrated by the real prestart."""

    def start(self, timeout: float = 60) -> BenchApiServer:
        self.cli("prestart")
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            granian_command("bench.api_app:build", self.port, factory=True),
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_until(self.ready, timeout, f"bench API on port {self.port}", self.proc, self.log_path)
        return self

    def ready(self) -> bool:
        # 200 only once the DB answers and, with Redis, the subscription is live.
        return httpx.get(self.url + "/api/health", timeout=2).status_code == 200


@dataclass
class BaselineServer:
    """bench/baseline_server.py under granian."""

    workdir: Path
    ping_seconds: float
    # The scale scenarios give it the app launcher's limits (HTTP/1, big backlog/backpressure).
    granian_args: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30) -> BaselineServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log_path = self.workdir / f"baseline-{self.port}.log"
        env = {**os.environ, "BENCH_PING_SECONDS": str(self.ping_seconds), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            granian_command("bench.baseline_server:app", self.port, extra=self.granian_args),
            cwd=ROOT,
            env=env,
            stdout=log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_until(self.ready, timeout, f"baseline on port {self.port}", self.proc, log_path)
        return self

    def ready(self) -> bool:
        return httpx.get(self.url + "/health", timeout=2).status_code == 200

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc = None
