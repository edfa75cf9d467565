"""Per-worker start and stop of the real-time machinery and the scheduler (a Reflex lifespan task)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable

from notification_center.channels.in_app import get_in_app_channel_handler
from notification_center.history.delivery import get_delivery_recorder
from notification_center.mail import sender as mail_sender
from notification_center.monitoring import dependencies
from notification_center.monitoring.connections import run_sampler
from notification_center.monitoring.watchdog import LoopWatchdog
from notification_center.push import sender as push_sender
from notification_center.realtime.broadcaster import NotificationBroadcaster, get_notification_broadcaster
from notification_center.scheduling.works import scheduler_from
from notification_center.settings import get_settings


def _on_shutdown_signal(callback: Callable[[], None]) -> None:
    """Run `callback` on the event loop when the worker is told to stop.

    Granian waits for open connections to finish before it runs the lifespan shutdown,
    and an SSE stream never finishes by itself: without this, SIGTERM would wait on every
    open stream forever. The server's own handler keeps working: asyncio's loop learns of
    the signal through its wakeup fd, whatever Python-level handler is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: object, previous: object = previous) -> None:
            loop.call_soon_threadsafe(callback)
            if callable(previous):
                previous(signum, frame)

        signal.signal(sig, handler)


def _connection_counts(broadcaster: NotificationBroadcaster) -> Callable[[], Awaitable[tuple[int, int]]]:
    async def read() -> tuple[int, int]:
        stats = (await broadcaster.cluster_stats()).to_wire()
        return stats["totalClients"], len(stats["connectedUserIds"])

    return read


@contextlib.asynccontextmanager
async def realtime_lifespan() -> AsyncIterator[None]:
    # First in, last out: a stall anywhere in the worker's life, its start and drain
    # included, is reported (README "Stuck worker").
    watchdog = LoopWatchdog(threshold=get_settings().loop_stall_seconds)
    watchdog.start()
    try:
        async with _realtime() as running:
            yield running
    finally:
        watchdog.stop()


@contextlib.asynccontextmanager
async def _realtime() -> AsyncIterator[None]:
    get_in_app_channel_handler()  # registers the channel
    broadcaster = get_notification_broadcaster()
    await broadcaster.start()
    _on_shutdown_signal(broadcaster.close_all_clients)
    # Time-based work (scheduled sends, retention, ...): one poller per worker; the
    # database decides which worker handles each due item (scheduling/claim.py).
    scheduler = scheduler_from(get_settings())
    scheduler.start()
    # Everything alive now (modules, the compiled app, pages) lives as long as the worker:
    # keep it out of every later garbage-collector pass, which would otherwise walk it
    # again and again while thousands of streams hold the loop (bench/README.md).
    gc.collect()
    gc.freeze()
    # The console's connections chart: one sample per slot, whichever worker writes it first.
    sampler = asyncio.get_running_loop().create_task(run_sampler(_connection_counts(broadcaster)))
    probe = asyncio.get_running_loop().create_task(dependencies.run_probe(get_settings().dependency_probe_seconds))
    try:
        yield
    finally:
        probe.cancel()
        await scheduler.stop()  # before the transport: what it claimed is still published
        await push_sender.close()
        await mail_sender.close()
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        await get_delivery_recorder().stop()  # write the last second's deliveries
        await broadcaster.stop()
