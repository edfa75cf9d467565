"""Brute-force protection for sign-in, built on the `limits` library.

Only failed attempts are counted, per username and per client address, in a moving
window; a user who types the right password is never locked out by other people's
successful sign-ins from the same office NAT. With Redis configured the counters are
shared by every worker and node; otherwise they are per process.
"""

from __future__ import annotations

import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from notification_center.settings import get_settings


class LoginRateLimiter:
    def __init__(self, storage: Storage, per_user: str, per_ip: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_user = parse(per_user)
        self._per_ip = parse(per_ip)

    def _keys(self, username: str, client_ip: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(self._per_user, "login-user", username.lower()), (self._per_ip, "login-ip", client_ip)]

    async def retry_after(self, username: str, client_ip: str) -> int | None:
        """Seconds until another attempt is allowed, or None if one is allowed now."""
        waits = []
        for limit, *key in self._keys(username, client_ip):
            if not await self._limiter.test(limit, *key):
                stats = await self._limiter.get_window_stats(limit, *key)
                waits.append(max(1, int(stats.reset_time - time.time()) + 1))
        return max(waits) if waits else None

    async def record_failure(self, username: str, client_ip: str) -> None:
        for limit, *key in self._keys(username, client_ip):
            await self._limiter.hit(limit, *key)


@lru_cache(maxsize=1)
def get_login_rate_limiter() -> LoginRateLimiter:
    settings = get_settings()
    if settings.redis_url:
        uri = "async+" + settings.redis_url
        storage: Storage = RedisStorage(uri, implementation="redispy", key_prefix="nc-limits")
    else:
        storage = MemoryStorage()
    return LoginRateLimiter(storage, settings.login_rate_limit, settings.login_ip_rate_limit)
