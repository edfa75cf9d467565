"""Per-worker start and stop of the real-time machinery (a Reflex lifespan task)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from notification_center.channels.in_app import get_in_app_channel_handler
from notification_center.realtime.broadcaster import get_notification_broadcaster


@contextlib.asynccontextmanager
async def realtime_lifespan() -> AsyncIterator[None]:
    get_in_app_channel_handler()  # registers the channel
    broadcaster = get_notification_broadcaster()
    await broadcaster.start()
    try:
        yield
    finally:
        # Ends every open stream so the server can exit; browsers resume elsewhere.
        await broadcaster.stop()
