"""Fixtures for tests over real HTTP against the shared app (see tests/conftest.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from notification_center.db import make_engine
from notification_center.migrations import upgrade_to_head
from notification_center.models import User
from tests.conftest import Account
from tests.support.processes import AppServer


@pytest.fixture
def sign_in(app_server: AppServer) -> Iterator[Callable[[Account], httpx.Client]]:
    """Signed-in sync clients, closed after the test."""
    clients: list[httpx.Client] = []

    def make(account: Account) -> httpx.Client:
        client = app_server.login(account.username, account.password)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def operator(make_account, sign_in) -> httpx.Client:
    return sign_in(make_account(role="operator", prefix="op"))


@pytest.fixture
def engine_with_users(request: pytest.FixtureRequest, tmp_path) -> Iterator[Callable[[str, int], sa.Engine]]:
    """Migrated databases holding `count` users, on "sqlite" or "postgres" (started only if
    asked for), for the service-level tests that need more users than one batch."""
    engines: list[sa.Engine] = []

    def make(backend: str, count: int) -> sa.Engine:
        name = f"users_{secrets.token_hex(4)}"
        if backend == "postgres":
            url = request.getfixturevalue("postgres_server").create_database(name)
        else:
            url = f"sqlite:///{tmp_path / name}.db"
        upgrade_to_head(url)
        engine = make_engine(url)
        engines.append(engine)
        with Session(engine) as session:
            session.add_all(User(username=f"user{i:05d}", password_hash="x") for i in range(count))
            session.commit()
        return engine

    yield make
    for engine in engines:
        engine.dispose()
