"""Delivery recording and the history rows of Python sends, against real SQLite and PostgreSQL:
the first write of a notification wins, its latency lands in the histogram, and a send from
Python code is recorded as the system's."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from notification_center.channels import in_app
from notification_center.history import delivery
from notification_center.migrations import upgrade_to_head
from notification_center.models import DeliveryLatency, Notification, Send, User
from notification_center.monitoring import latency
from notification_center.notifications.senders import Sender
from notification_center.notifications.service import Draft


def _scope_on(engine: sa.Engine):
    @contextmanager
    def scope() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    return scope


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def engine(request, tmp_path, monkeypatch) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'history.db'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database(f"hist_{secrets.token_hex(4)}")
    upgrade_to_head(url)
    engine = sa.create_engine(url)
    with Session(engine) as session:
        session.add_all([User(id=f"user_{i}", username=f"h{i}", password_hash="x") for i in range(3)])
        session.commit()
    for module in (delivery, in_app):
        monkeypatch.setattr(module, "session_scope", _scope_on(engine))
    yield engine
    engine.dispose()


async def test_python_sends_are_the_systems_and_name_their_send(engine):
    handler = in_app.InAppChannelHandler()
    created = await handler.deliver_many(Draft(title="nightly"), ["user_0", "user_1"])
    by_key = await handler.deliver_many(Draft(title="keyed"), ["user_2"], Sender.key("key_1", "ci"))
    with Session(engine) as session:
        sends = {s.title: s for s in session.exec(select(Send))}
    assert (sends["nightly"].sender_kind, sends["nightly"].sender_id, sends["nightly"].sender_label) == (
        "system",
        None,
        "system",
    )
    assert sends["nightly"].recipients == 2
    assert {row["send_id"] for row in created} == {sends["nightly"].id}
    assert (sends["keyed"].sender_kind, sends["keyed"].sender_label, by_key[0]["send_id"]) == (
        "key",
        "ci",
        sends["keyed"].id,
    )


async def test_first_write_wins_and_feeds_the_latency_histogram(engine):
    created = await in_app.InAppChannelHandler().deliver_many(Draft(title="t"), ["user_0", "user_1", "user_2"])
    a, b, c = (row["id"] for row in created)
    now = time.time()
    # a written twice (two tabs): the earlier write counts; b once; c never.
    assert delivery.write_deliveries([(a, now + 0.5), (b, now + 0.2), (a, now + 0.25)]) == 2
    assert delivery.write_deliveries([(a, now + 3)]) == 0  # already delivered: unchanged
    with Session(engine) as session:
        stamped = {n.id: n.delivered_at for n in session.exec(select(Notification))}
        rows = session.exec(select(DeliveryLatency)).all()
    assert stamped[c] is None and stamped[a] is not None and stamped[b] is not None
    first_a = stamped[a] if stamped[a].tzinfo else stamped[a].replace(tzinfo=UTC)  # SQLite: naive UTC
    assert abs(first_a.timestamp() - (now + 0.25)) < 0.11  # stamped to the 100 ms of its first write
    assert sum(r.count for r in rows) == 2  # one latency per first delivery
    with Session(engine) as session:
        per_minute = latency.per_minute(session=session, since_minute=int(now // 60) - 1)
    histogram = next(iter(per_minute.values()))
    assert latency.percentile(histogram, 0.5) in (250, 500, 1_000)  # about 0.2-0.5 s after creation


async def test_a_failed_flush_keeps_the_batch_for_the_next(engine, monkeypatch):
    recorder = delivery.DeliveryRecorder()
    calls = []

    def failing(batch):
        calls.append(list(batch))
        raise sa.exc.OperationalError("UPDATE", {}, Exception("database away"))

    monkeypatch.setattr(delivery, "write_deliveries", failing)
    recorder.pending.append(("notif_x", 1.0))
    await recorder.flush()
    assert calls == [[("notif_x", 1.0)]] and recorder.pending == [("notif_x", 1.0)]
