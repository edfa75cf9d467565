"""Streams of one user told to catch up at once (Redis came back) share one database read.

At 5,000 streams over 5 workers (bench/redis_outage.py) every stream of a worker got its
RESYNC at the same instant and each read the same page of its user: a thousand thread hops
and queries per worker at once. The stream core now shares a read of a page among the
user's streams whose need arose before that read started, and only those.
"""

from __future__ import annotations

import asyncio
import secrets
import threading

import pytest

from notification_center.api import event_source
from notification_center.realtime import events
from notification_center.realtime.client import StreamClient


def _event(seq: int) -> events.StreamEvent:
    return events.notification_event({"id": f"notif_{seq}", "title": f"n{seq}"}, str(seq))


class FakeDatabase:
    """`event_source._after`: rows 1..`newest`, counting reads; `gate` holds reads back."""

    def __init__(self, newest: int) -> None:
        self.newest = newest
        self.reads: list[tuple[str, int, int | None]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.reading = threading.Event()

    def after(self, user_id: str, after: int, upto: int | None = None) -> list[events.StreamEvent]:
        self.reads.append((user_id, after, upto))
        self.reading.set()
        self.gate.wait(5)
        return [_event(seq) for seq in range(after + 1, self.newest + 1)]


async def _parked_streams(user_id: str, count: int) -> tuple[list[StreamClient], list]:
    """`count` streams of `user_id` at cursor 0, each waiting for its next item."""
    clients, generators = [], []
    for _ in range(count):
        client = StreamClient(user_id, 64)
        gen = event_source.items(client, event_source.Start(user_id, 0, 0, False, []))
        assert (await gen.__anext__()).type == events.CONNECTED
        clients.append(client)
        generators.append(gen)
    return clients, generators


async def test_streams_of_one_user_share_one_read_when_told_to_catch_up(monkeypatch: pytest.MonkeyPatch) -> None:
    db = FakeDatabase(newest=2)
    monkeypatch.setattr(event_source, "_after", db.after)
    user = f"user_{secrets.token_hex(4)}"
    clients, generators = await _parked_streams(user, 50)
    waiting = [asyncio.ensure_future(gen.__anext__()) for gen in generators]
    await asyncio.sleep(0.05)  # every stream waits in client.next()
    for client in clients:  # what the broadcaster's resync does when Redis is back
        client.resync()
    firsts = await asyncio.wait_for(asyncio.gather(*waiting), 10)
    seconds = [await asyncio.wait_for(gen.__anext__(), 5) for gen in generators]
    assert [e.id for e in firsts] == ["1"] * 50 and [e.id for e in seconds] == ["2"] * 50
    assert db.reads == [(user, 0, None)], f"{len(db.reads)} reads for 50 streams at one cursor"
    assert all(c.cursor == 2 for c in clients)
    for gen in generators:
        await gen.aclose()


async def test_a_read_started_before_the_need_arose_is_not_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read that began before a stream's RESYNC may lack rows committed since: that
    stream reads for itself."""
    db = FakeDatabase(newest=1)
    monkeypatch.setattr(event_source, "_after", db.after)
    user = f"user_{secrets.token_hex(4)}"
    (early, late), (early_gen, late_gen) = await _parked_streams(user, 2)
    db.gate.clear()  # the early stream's read stays under way
    early.resync()
    early_next = asyncio.ensure_future(early_gen.__anext__())
    assert await asyncio.to_thread(db.reading.wait, 5)
    db.newest = 2  # a row committed while that read runs ...
    late_next = asyncio.ensure_future(late_gen.__anext__())
    await asyncio.sleep(0.01)
    late.resync()  # ... and then the late stream is told to catch up
    await asyncio.sleep(0.05)
    db.gate.set()
    assert (await asyncio.wait_for(early_next, 5)).id == "1"
    late_items = [await asyncio.wait_for(late_next, 5), await asyncio.wait_for(late_gen.__anext__(), 5)]
    assert [e.id for e in late_items] == ["1", "2"]
    assert len(db.reads) == 2
    for gen in (early_gen, late_gen):
        await gen.aclose()


async def test_a_stream_that_ends_while_waiting_does_not_cancel_the_shared_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = FakeDatabase(newest=1)
    monkeypatch.setattr(event_source, "_after", db.after)
    user = f"user_{secrets.token_hex(4)}"
    clients, generators = await _parked_streams(user, 2)
    db.gate.clear()
    waiting = [asyncio.ensure_future(gen.__anext__()) for gen in generators]
    await asyncio.sleep(0.01)
    for client in clients:
        client.resync()
    assert await asyncio.to_thread(db.reading.wait, 5)
    await asyncio.sleep(0.02)
    waiting[0].cancel()  # the first stream's client went away mid-read
    db.gate.set()
    assert (await asyncio.wait_for(waiting[1], 5)).id == "1"
    assert len(db.reads) == 1
    with pytest.raises(asyncio.CancelledError):
        await waiting[0]
    await generators[1].aclose()
