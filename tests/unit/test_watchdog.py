"""The event-loop watchdog (monitoring/watchdog.py): detection, reports, metrics."""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import REGISTRY

from notification_center.monitoring.watchdog import LoopWatchdog


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_stall_is_counted_once_reported_again_while_it_lasts_and_its_length_kept(caplog):
    clock = FakeClock()
    dog = LoopWatchdog(threshold=2.0, repeat_every=10.0, clock=clock)
    stalls = _metric("nc_event_loop_stalls_total")
    caplog.set_level(logging.WARNING, "notification_center.monitoring.watchdog")

    clock.now = 101.9  # within the threshold: nothing
    dog.check()
    assert _metric("nc_event_loop_stalls_total") == stalls
    assert not caplog.records

    clock.now = 102.5
    dog.check()
    assert _metric("nc_event_loop_stalls_total") == stalls + 1
    assert _metric("nc_event_loop_stalled_seconds") == 2.5
    assert "event loop stalled: no heartbeat for 2.5 s" in caplog.records[-1].getMessage()
    assert caplog.records[-1].levelno == logging.ERROR

    clock.now = 105.0  # the same stall: not counted again, not reported again yet
    dog.check()
    assert _metric("nc_event_loop_stalls_total") == stalls + 1
    assert len(caplog.records) == 1
    clock.now = 113.0
    dog.check()
    assert "still stalled after 13.0 s" in caplog.records[-1].getMessage()

    dog.last_beat = clock.now = 114.0  # the loop beats again
    dog.check()
    assert _metric("nc_event_loop_stalled_seconds") == 0
    assert _metric("nc_event_loop_last_stall_seconds") == 14.0
    assert "answers again after a stall of about 14.0 s" in caplog.records[-1].getMessage()
    assert _metric("nc_event_loop_stalls_total") == stalls + 1


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_real_busy_loop_is_seen_from_the_thread_with_the_culprits_stack(caplog):
    caplog.set_level(logging.WARNING, "notification_center.monitoring.watchdog")
    stalls = _metric("nc_event_loop_stalls_total")

    async def main() -> None:
        dog = LoopWatchdog(threshold=0.3, heartbeat=0.05, check_every=0.05)
        dog.start()
        try:
            await asyncio.sleep(0.2)
            _spin(1.0)  # holds the loop (and the GIL, as a CPU-bound coroutine does)
            await asyncio.sleep(0.3)  # the loop beats again; the watchdog sees the end
        finally:
            dog.stop()

    asyncio.run(main())
    assert _metric("nc_event_loop_stalls_total") >= stalls + 1  # >=: a loaded machine may add one
    messages = [r.getMessage() for r in caplog.records]
    stalled = next(m for m in messages if m.startswith("event loop stalled"))
    assert "in _spin" in stalled  # the loop thread's stack names what holds it
    assert any(m.startswith("event loop answers again") for m in messages)
    assert 0.8 <= _metric("nc_event_loop_last_stall_seconds") <= 3.0
