"""Shared fixtures: real services started once per session, users made per test.

Environment variables are set before the app package is imported (unit tests build
settings from them), following the litestar-fullstack habit.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

_UNIT_TMP = Path(tempfile.mkdtemp(prefix="nc-unit-"))
os.environ.setdefault("NC_SECRETS_FILE", str(_UNIT_TMP / "secrets.json"))
os.environ.setdefault("NC_SECRET_KEY", "unit-test-secret-key-at-least-32-characters")
os.environ.pop("REFLEX_REDIS_URL", None)

import pytest  # noqa: E402

from tests.support import web_builds  # noqa: E402
from tests.support.nginx import NginxProxy  # noqa: E402
from tests.support.processes import AppServer, PostgresServer, RedisServer, free_port  # noqa: E402
from tests.support.smtp_server import SmtpServer  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# The shared app's stream settings are short so ping/limit/age tests run in seconds.
APP_ENV = {
    "NC_PING_INTERVAL_SECONDS": "1",
    "NC_MAX_CONNECTIONS_PER_USER": "4",
    "NC_CLIENT_BUFFER_SIZE": "32",
    "NC_LOGIN_RATE_LIMIT": "5/minute",
    "NC_LOGIN_IP_RATE_LIMIT": "1000/minute",
    "NC_SCHEDULER_INTERVAL_SECONDS": "0.2",
    # The README's "bell on your own page" example, served at /example/bell.
    "NC_EXAMPLE_PAGES": "1",
    # Low enough that the per-key limit test reaches it in a few requests (each test makes its own keys).
    "NC_KEY_RATE_LIMIT": "15/minute",
    # The badge property test makes a few hundred bulk actions a minute; its own test checks the limit.
    "NC_BULK_RATE_LIMIT": "100000/minute",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The folder says the layer: tests/e2e -> e2e, tests/integration -> integration."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for layer in ("unit", "integration", "e2e"):
            if layer in parts:
                item.add_marker(getattr(pytest.mark, layer))


@dataclass
class Account:
    username: str
    password: str
    role: str


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nc")


@pytest.fixture(scope="session", autouse=True)
def shared_web_builds(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One store of frontend builds for the run (tests/support/web_builds.py), beside the xdist
    workers' temp folders so that both workers use it; pytest's temp retention removes it."""
    base = tmp_path_factory.getbasetemp()
    run_root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    os.environ.setdefault(web_builds.STORE_ENV, str(run_root / "web-builds"))


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) in this process: the shared app mails through it."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app_server(tmp_root: Path, smtp_server: SmtpServer) -> Iterator[AppServer]:
    """The app as `make run` serves it: SQLite, in-memory transport, one worker; email
    through `smtp_server` (only users given an address get any)."""
    server = AppServer(tmp_root / "app", {**APP_ENV, "NC_SMTP_URL": smtp_server.url})
    server.env_overrides["NC_PUBLIC_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_account(app_server: AppServer) -> Callable[..., Account]:
    """Create a fresh user (unique name) on the shared app server."""

    def make(role: str = "user", prefix: str = "u") -> Account:
        account = Account(f"{prefix}{secrets.token_hex(4)}", secrets.token_urlsafe(12), role)
        app_server.create_user(account.username, account.password, role)
        return account

    return make


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # Not under pytest's tmp tree: that is root-only (0700), and the server runs as the
    # `postgres` user when the tests run as root, so it could not reach its data folder.
    data_dir = Path(tempfile.mkdtemp(prefix="nc-pg-"))
    server = PostgresServer(free_port(), data_dir).start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def nginx_proxy(app_server: AppServer, tmp_root: Path) -> Iterator[NginxProxy]:
    """A real nginx in front of the shared app, configured with the README's snippet."""
    proxy = NginxProxy(tmp_root / "nginx", app_server.port).start()
    yield proxy
    proxy.stop()
