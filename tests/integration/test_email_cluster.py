"""Email in a cluster: two nodes (the API with its scheduler, two workers each) on one
PostgreSQL and one Redis, claiming two delivery rows at a time, four schedulers polling every
0.1 s, one real SMTP server. Every mail arrives exactly once."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from notification_center.auth.users import save_user
from notification_center.mail import addresses
from tests.support.api_server import WorkerApiServer
from tests.support.cluster import two_nodes
from tests.support.processes import PostgresServer
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nodes(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer, smtp: SmtpServer
) -> Iterator[list[WorkerApiServer]]:
    env = {"NC_SMTP_URL": smtp.url}
    with two_nodes(tmp_path_factory, postgres_server, "email", env) as started:
        yield started


def all_sent(operator, count: int) -> bool:
    statuses = []
    for item in operator.get("/api/history", params={"limit": 10}).json()["items"]:
        for recipient in operator.get(f"/api/history/{item['id']}").json()["recipients"]:
            statuses.append(recipient["channels"].get("email", {}).get("status"))
    return len(statuses) == count and set(statuses) == {"sent"}


def test_each_mail_is_sent_exactly_once_across_nodes(nodes, smtp):
    first, second = nodes
    operator = f"op{secrets.token_hex(4)}"
    first.create_user(operator, "operator-password-1", "operator")
    sender = second.login(operator, "operator-password-1")  # sent through the other node
    users = []
    # Users straight in the shared database with the CLI's own functions (a CLI run each
    # would cost seconds; `create-user --email` has its own test in test_email.py).
    engine = create_engine(first.env()["REFLEX_DB_URL"])
    for index in range(8):
        name = f"u{secrets.token_hex(4)}"
        with Session(engine) as session:
            saved = save_user(session=session, username=name, password="user-password-1")
            addresses.set_confirmed(session=session, user=saved.user, address=f"{name}@example.com")
            session.commit()
        client = nodes[index % 2].login(name, "user-password-1")
        # Half mail at once, half "if unread after" a short delay: both kinds drain once.
        choice = {"email": "always"} if index % 2 else {"email": "unread", "emailDelayMinutes": 0.01}
        assert client.put("/api/preferences", json={"preferences": {"general": choice}}).status_code == 200
        users.append(name)
    engine.dispose()
    expected = []
    for round_ in range(3):
        r = sender.post("/api/notifications", json={"title": f"round {round_}", "recipients": users})
        assert r.status_code == 201, r.text
        expected += [(f"{name}@example.com", f"round {round_}") for name in users]
    # Wait until every delivery row is settled: a settled row is never claimed again, so
    # what has arrived then is all that will ever arrive.
    deadline = time.monotonic() + 60
    while not all_sent(sender, len(expected)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all_sent(sender, len(expected))
    got = Counter((r.rcpt[0], r.message["Subject"]) for r in smtp.received)
    assert sorted(got) == sorted(expected)
    assert set(got.values()) == {1}, [k for k, n in got.items() if n > 1]
