"""Work that arrives together shares one thread hop: a single-flight batcher.

A reconnect storm is thousands of stream connects within a second, each needing the same
few database reads. Run one at a time, each costs a trip to the thread pool and its own
queries, and the pool's queue, not the database, sets the pace. Here the first caller
starts a hop; whoever arrives while it runs waits for the next one, which takes them all
together. A lone caller pays nothing extra: its hop starts at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

Request = TypeVar("Request")
Result = TypeVar("Result")


class BatchedHop(Generic[Request, Result]):
    """`await hop(request)` runs `work(requests)` (sync, in a worker thread) for every request
    waiting at that moment, up to `max_batch`; `work` answers in the same order. An error
    of `work` is every caller's error of that batch."""

    def __init__(self, work: Callable[[Sequence[Request]], Sequence[Result]], max_batch: int = 1000) -> None:
        self._work = work
        self._max_batch = max_batch
        self._waiting: list[tuple[Request, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, request: Request) -> Result:
        loop = asyncio.get_running_loop()
        if self._runner is not None and self._runner.get_loop() is not loop:
            self._runner, self._waiting = None, []  # a new event loop (tests): start afresh
        future: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((request, future))
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run(), name="nc-batched-hop")
        return await future

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
            try:
                results = await run_in_threadpool(self._work, [request for request, _ in batch])
            except asyncio.CancelledError:  # the worker is stopping: so are its callers
                for _, future in [*batch, *self._waiting]:
                    future.cancel()
                self._waiting = []
                raise
            except Exception as exc:  # handed to the callers, who answer for it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():  # its caller may have gone (cancelled) meanwhile
                    future.set_result(result)
