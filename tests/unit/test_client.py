import asyncio

from notification_center.realtime.client import CLOSED, PING, RESYNC, StreamClient
from notification_center.realtime.events import ping_event


async def test_events_come_out_in_order():
    client = StreamClient("u", max_buffer=4)
    first, second = ping_event(), ping_event()
    client.enqueue(first)
    client.enqueue(second)
    assert await client.next() is first
    assert await client.next() is second


async def test_next_waits_until_something_arrives():
    client = StreamClient("u", max_buffer=1)
    waiting = asyncio.ensure_future(client.next())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    client.enqueue(PING)
    assert await asyncio.wait_for(waiting, 1) is PING


async def test_overflow_closes_instead_of_blocking():
    client = StreamClient("u", max_buffer=2)
    for _ in range(3):
        client.enqueue(ping_event())  # never blocks, never raises
    assert client.closed
    assert client.close_reason == "overflow"
    assert await client.next() is CLOSED


async def test_close_drops_pending_and_ignores_later_events():
    client = StreamClient("u", max_buffer=4)
    client.enqueue(ping_event())
    client.close("shutdown")
    client.enqueue(ping_event())
    assert await client.next() is CLOSED
    assert client.close_reason == "shutdown"


async def test_resync_marker():
    client = StreamClient("u", max_buffer=4)
    client.resync()
    assert await client.next() is RESYNC
