"""The per-key limit is one limit for the whole cluster when Redis is on: three worker
processes share it, so parallel requests spread over them get exactly the allowed number."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.support.api_server import ApiServer


async def test_the_key_limit_holds_across_workers_with_redis(tmp_root, redis_server):
    env = {"REFLEX_REDIS_URL": redis_server.url, "NC_KEY_RATE_LIMIT": "10/minute"}
    server = ApiServer(tmp_root / "key-limit-redis", env)
    server.command = lambda: [*ApiServer.command(server), "--workers", "3"]  # type: ignore[method-assign]
    server.start()
    try:
        created = server.cli("keys", "create", "parallel-service").stdout
        secret = re.search(r"^nck_\S+$", created, re.MULTILINE).group(0)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            # An empty body: the key is checked and counted first, then the body is refused
            # (422), so nothing is sent and no transport is needed.
            requests = [
                client.post("/api/notifications", json={}, headers={"Authorization": f"Bearer {secret}"})
                for _ in range(25)
            ]
            codes = [r.status_code for r in await asyncio.gather(*requests)]
        assert (codes.count(422), codes.count(429)) == (10, 15)
    finally:
        server.stop()
