"""The single-flight batcher that lets connects arriving together share one thread hop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from notification_center.api.batched_hop import BatchedHop


async def test_callers_arriving_during_a_hop_share_the_next_one():
    started, release = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def work(requests):
        batches.append(list(requests))
        started.set()
        if len(batches) == 1:
            release.wait(5)  # the first hop is still running while the others arrive
        return [r * 10 for r in requests]

    hop = BatchedHop(work)
    first = asyncio.create_task(hop(1))
    assert await asyncio.to_thread(started.wait, 5)
    others = [asyncio.create_task(hop(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0.01)
    release.set()
    assert await first == 10
    assert [await task for task in others] == [20, 30, 40]  # each its own answer, in order
    assert batches == [[1], [2, 3, 4]]


async def test_a_batch_is_at_most_max_batch():
    batches: list[int] = []

    def work(requests):
        batches.append(len(requests))
        return list(requests)

    hop = BatchedHop(work, max_batch=2)
    assert await asyncio.gather(*(hop(n) for n in range(5))) == [0, 1, 2, 3, 4]
    assert max(batches) <= 2 and sum(batches) == 5


async def test_an_error_is_every_caller_of_that_batch_and_the_next_batch_runs():
    calls = 0

    def work(requests):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database away")
        return list(requests)

    hop = BatchedHop(work)
    results = await asyncio.gather(hop(1), hop(2), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await hop(3) == 3


async def test_a_caller_that_goes_away_does_not_break_the_others():
    release = threading.Event()

    def work(requests):
        release.wait(5)
        return list(requests)

    hop = BatchedHop(work)
    leaving, staying = asyncio.create_task(hop(1)), asyncio.create_task(hop(2))
    await asyncio.sleep(0.01)
    leaving.cancel()
    release.set()
    assert await staying == 2
    with pytest.raises(asyncio.CancelledError):
        await leaving
