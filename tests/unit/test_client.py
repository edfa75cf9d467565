from notification_center.realtime.client import CLOSED, RESYNC, StreamClient
from notification_center.realtime.events import ping_event


async def test_events_come_out_in_order():
    client = StreamClient("u", max_buffer=4)
    first, second = ping_event(), ping_event()
    client.enqueue(first)
    client.enqueue(second)
    assert await client.next(timeout=1) is first
    assert await client.next(timeout=1) is second


async def test_timeout_returns_none():
    assert await StreamClient("u", max_buffer=1).next(timeout=0.01) is None


async def test_overflow_closes_instead_of_blocking():
    client = StreamClient("u", max_buffer=2)
    for _ in range(3):
        client.enqueue(ping_event())  # never blocks, never raises
    assert client.closed
    assert client.close_reason == "overflow"
    assert await client.next(timeout=1) is CLOSED


async def test_close_drops_pending_and_ignores_later_events():
    client = StreamClient("u", max_buffer=4)
    client.enqueue(ping_event())
    client.close("shutdown")
    client.enqueue(ping_event())
    assert await client.next(timeout=1) is CLOSED
    assert client.close_reason == "shutdown"


async def test_resync_marker():
    client = StreamClient("u", max_buffer=4)
    client.resync()
    assert await client.next(timeout=1) is RESYNC
