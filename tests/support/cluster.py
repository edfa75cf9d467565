"""Two nodes of the API with its scheduler (two granian workers each) on one PostgreSQL
database and one private Redis: the shape of the exactly-once tests of the delivery channels."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest

from notification_center.settings import generate_vapid_private_key
from tests.conftest import APP_ENV
from tests.support.api_server import WorkerApiServer
from tests.support.processes import PostgresServer, RedisServer, free_port


@contextmanager
def two_nodes(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer, name: str, env: Mapping[str, str]
) -> Iterator[list[WorkerApiServer]]:
    """Both nodes started with the same settings (secret key and VAPID key too, as production
    requires), claiming two delivery rows at a time, four schedulers polling every 0.1 s."""
    redis = RedisServer(free_port()).start()
    shared = {
        **APP_ENV,
        "REFLEX_REDIS_URL": redis.url,
        "REFLEX_DB_URL": postgres.create_database(f"{name}_{secrets.token_hex(4)}"),
        "NC_SECRET_KEY": f"{name}-cluster-secret-of-32-characters-or-more",
        "NC_VAPID_PRIVATE_KEY": generate_vapid_private_key(),
        "NC_SCHEDULER_INTERVAL_SECONDS": "0.1",
        "NC_SCHEDULER_BATCH_SIZE": "2",
        **env,
    }
    started: list[WorkerApiServer] = []
    try:
        for node in (f"{name}-node1", f"{name}-node2"):
            started.append(WorkerApiServer(tmp_path_factory.mktemp(node), dict(shared), workers=2).start())
        yield started
    finally:
        for server in started:
            server.stop()
        redis.stop()
