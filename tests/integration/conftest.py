"""Fixtures for tests over real HTTP against the shared app (see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

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
