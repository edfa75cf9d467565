"""Web Push in a cluster: two nodes (the API with its scheduler, two workers each) on one
PostgreSQL and one Redis, claiming two delivery rows at a time, four schedulers polling every
0.1 s. Every push reaches the local push service exactly once."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.support.api_server import WorkerApiServer
from tests.support.cluster import two_nodes
from tests.support.processes import PostgresServer
from tests.support.push_service import BrowserSubscription, PushService

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def push_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PushService]:
    service = PushService(tmp_path_factory.mktemp("push-cluster-tls")).start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def nodes(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer, push_service: PushService
) -> Iterator[list[WorkerApiServer]]:
    env = {
        "NC_PUSH_CA_BUNDLE": str(push_service.ca_path),
        "NC_PUSH_ALLOWED_HOSTS": "127.0.0.1",
        "NC_PUSH_OFFLINE_GRACE_SECONDS": "0.3",
    }
    with two_nodes(tmp_path_factory, postgres_server, "push", env) as started:
        yield started


def test_each_push_is_sent_exactly_once_across_nodes(nodes, push_service):
    first, second = nodes
    operator = f"op{secrets.token_hex(4)}"
    first.create_user(operator, "operator-password-1", "operator")
    sender = second.login(operator, "operator-password-1")  # sent through the other node
    browsers: dict[str, BrowserSubscription] = {}
    for index in range(8):
        name = f"u{secrets.token_hex(4)}"
        first.create_user(name, "user-password-1")
        node = nodes[index % 2]  # subscribed through either node
        client = node.login(name, "user-password-1")
        browser = BrowserSubscription(push_service.endpoint())
        assert client.post("/api/push/subscriptions", json=browser.to_json()).status_code == 201
        browsers[name] = browser
    ids = []
    for round_ in range(3):
        r = sender.post("/api/notifications", json={"title": f"round {round_}", "recipients": sorted(browsers)})
        assert r.status_code == 201, r.text
        ids += r.json()["ids"]
    expected = len(ids)
    deadline = time.monotonic() + 30
    while len(push_service.received) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # anything sent twice would arrive by now
    by_token = {b.token: b for b in browsers.values()}
    got = Counter(by_token[r.token].decrypt(r.body)["id"] for r in push_service.received if r.token in by_token)
    assert sorted(got) == sorted(ids)
    assert set(got.values()) == {1}, [i for i, n in got.items() if n > 1]
