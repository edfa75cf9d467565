"""Announcing revoked sessions from a process that serves no streams (the CLI).

The app's routes announce through their own broadcaster. The CLI runs in a process of
its own: with Redis configured it publishes the same `revoked` message on the shared
channel, and every worker of every node ends those streams at once. Without Redis there
is no channel to reach the server's process; its streams then end at their next session
check (every `NC_PING_INTERVAL_SECONDS`).
"""

from __future__ import annotations

import asyncio
import json

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from notification_center.realtime.messages import revoked_message
from notification_center.realtime.redis_transport import RedisTransport
from notification_center.settings import get_settings


async def _publish_to_redis(url: str, user_id: str, session_ids: list[str]) -> None:
    # The channel and the JSON encoding the workers' RedisTransport listens for. Unlike
    # RedisTransport.publish, a failure is raised: this process has no streams to fall
    # back to, and the operator should know.
    payload = json.dumps(revoked_message(user_id, session_ids), separators=(",", ":"))
    client = aioredis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=5.0)
    try:
        await client.publish(RedisTransport(url).channel, payload)
    finally:
        await client.aclose()


def announce_revoked(user_id: str, session_ids: list[str]) -> str:
    """Announce the revocation where possible; a line telling the operator what happens."""
    if not session_ids:
        return "no live sessions to end"
    settings = get_settings()
    if not settings.redis_url:
        return (
            "open streams of those sessions end within NC_PING_INTERVAL_SECONDS "
            f"({settings.ping_interval_seconds:g} s; no Redis to announce it at once)"
        )
    try:
        asyncio.run(_publish_to_redis(settings.redis_url, user_id, session_ids))
    except (RedisError, OSError) as exc:
        return f"could not reach Redis ({exc}); open streams end within NC_PING_INTERVAL_SECONDS"
    return "their open streams were told to end (through Redis)"
