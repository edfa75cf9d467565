"""Real services for tests: the app as the run command serves it, redis-server, PostgreSQL.

Each is started on a free loopback port in its own temp folder and stopped (whole process
group) when the test scope ends. Nothing here is a fake.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import web_builds

ROOT = Path(__file__).resolve().parents[2]


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A free listening port below the ephemeral range.

    Ports handed out by `bind(0)` are ephemeral ones, which the thousands of client
    connections of the scale tests also use: one of those in TIME_WAIT on the same port
    makes a multi-worker granian's bind fail with "Address already in use".
    """
    low, _ = _ephemeral_range()
    for _ in range(200):
        port = random.randint(max(1025, low - 12000), low - 1)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # a crowded machine: fall back to the kernel's choice
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_stats() -> list[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every live process, from /proc (no psutil here)."""
    stats = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, ValueError, IndexError):
            # The command name (field 2) may hold spaces: split after its closing parenthesis.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z":  # a zombie has exited; only its parent's wait() is missing
                stats.append((int(entry.name), int(fields[1]), int(fields[2])))
    return stats


def child_pids(pid: int) -> list[int]:
    """The live direct children of `pid` (for the app: granian's worker processes)."""
    return sorted(child for child, parent, _ in _proc_stats() if parent == pid)


def group_pids(pgid: int) -> list[int]:
    """Every live process of a process group (the app and all it started share one)."""
    return sorted(pid for pid, _, group in _proc_stats() if group == pgid)


def _stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if proc.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _wait_until(check, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text()[-4000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{tail}")
        with suppress(Exception):
            if check():
                return
        time.sleep(0.2)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    raise TimeoutError(f"{what} not ready after {timeout}s\n{tail}")


@dataclass
class RedisServer:
    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_until(self._ping, 10, "redis-server", self.proc)
        return self

    def _ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)


def postgres_bin() -> Path | None:
    if bindir := os.environ.get("NC_PG_BINDIR"):  # set by scripts/bootstrap.sh
        return Path(bindir)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@dataclass
class PostgresServer:
    port: int
    data_dir: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if os.geteuid() == 0:  # the server refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    def start(self) -> PostgresServer:
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found; run scripts/bootstrap.sh --test")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, "postgres", "postgres")
            self.data_dir.chmod(0o700)
        self._run(str(bindir / "initdb"), "-D", str(self.data_dir), "-A", "trust", "-U", "postgres")
        return self.resume()

    def resume(self) -> PostgresServer:
        """Start the server on its existing cluster (after `start`, and after `crash`)."""
        opts = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        # -l: the server must not inherit our capture pipes, or pg_ctl's caller never sees EOF.
        log = str(self.data_dir / "server.log")
        self._run(str(postgres_bin() / "pg_ctl"), "-D", str(self.data_dir), "-l", log, "-o", opts, "-w", "start")
        return self

    def crash(self) -> None:
        """Stop abruptly, as a crash or a killed container would (`pg_ctl -m immediate`):
        every backend is killed, nothing is shut down cleanly; `resume` then recovers."""
        self._run(str(postgres_bin() / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with suppress(Exception):
            self.crash()

    def create_database(self, name: str) -> str:
        import sqlalchemy

        engine = sqlalchemy.create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name


@dataclass
class AppServer:
    """The app started exactly as `make run` starts it (the production launcher, which migrates first)."""

    workdir: Path
    env_overrides: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"app-{self.port}.log"

    def env(self) -> dict[str, str]:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            {
                "PORT": str(self.port),
                "REFLEX_DB_URL": f"sqlite:///{self.workdir / 'app.db'}",
                "NC_SECRETS_FILE": str(self.workdir / "secrets.json"),
                "NC_SECRET_KEY": "test-secret-key-of-32-characters-" + self.workdir.name,
                # Each instance builds its own frontend: the build bakes in the port, and a
                # shared .web would be rewritten under a running server.
                "REFLEX_WEB_WORKDIR": str(self.workdir / "web"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.pop("REFLEX_REDIS_URL", None)
        env.update(self.env_overrides)
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "notification_center", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        )

    def command(self) -> list[str]:
        return [sys.executable, "-m", "notification_center.serve"]

    # The launcher migrates by itself; servers started otherwise (ApiServer) need it first.
    needs_prestart = False

    # The launcher builds the frontend (unless its web dir holds a current build); ApiServer does not.
    builds_frontend = True

    def start(self, timeout: float = 300) -> AppServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.needs_prestart:
            self.cli("prestart")
        env = self.env()
        web_dir, build_key = Path(env["REFLEX_WEB_WORKDIR"]), None
        if self.builds_frontend:  # a build of the same inputs made earlier in this run (web_builds.py)
            build_key = web_builds.key(ROOT, env)
            web_builds.seed(web_dir, build_key)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        _wait_until(self.ready, timeout, f"server on port {self.port}", self.proc, self.log_path)
        if build_key is not None:
            web_builds.keep(web_dir, build_key)
        return self

    def ready(self) -> bool:
        health = httpx.get(self.url + "/api/health", timeout=2)
        page = httpx.get(self.url + "/", timeout=2)
        return health.status_code == 200 and page.status_code == 200

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc = None

    def create_user(self, username: str, password: str, role: str = "user") -> None:
        self.cli("create-user", username, f"--password={password}", f"--role={role}")

    def login(self, username: str, password: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=10)
        r = client.post("/api/auth/login", json={"username": username, "password": password})
        r.raise_for_status()
        return client

    def async_login(self, username: str, password: str) -> httpx.AsyncClient:
        """An AsyncClient carrying the session cookie of a fresh sign-in."""
        sync = self.login(username, password)
        cookies = dict(sync.cookies)
        sync.close()
        return httpx.AsyncClient(base_url=self.url, timeout=10, cookies=cookies)
