"""Brute-force protection for sign-in, built on the `limits` library.

Attempts are counted in a moving window per username and per client address, before the
password is checked. A successful sign-in clears its username's count, so only failures
add up against a user; the per-address count includes successes (an office behind one
NAT address needs a generous NC_LOGIN_IP_RATE_LIMIT). With Redis configured the counters
are shared by every worker and node; otherwise they are per process.
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

    async def acquire(self, username: str, client_ip: str) -> int | None:
        """Count an attempt before the password is checked, so parallel guesses can't all
        slip through one check. Returns None if allowed, else seconds to wait."""
        waits = []
        for limit, *key in self._keys(username, client_ip):
            if not await self._limiter.hit(limit, *key):
                stats = await self._limiter.get_window_stats(limit, *key)
                waits.append(max(1, int(stats.reset_time - time.time()) + 1))
        return max(waits) if waits else None

    async def succeeded(self, username: str) -> None:
        """A right password: the user's own failures are forgiven (the address's stay)."""
        await self._limiter.clear(self._per_user, "login-user", username.lower())


@lru_cache(maxsize=1)
def get_login_rate_limiter() -> LoginRateLimiter:
    settings = get_settings()
    if settings.redis_url:
        uri = "async+" + settings.redis_url
        storage: Storage = RedisStorage(uri, implementation="redispy", key_prefix="nc-limits")
    else:
        storage = MemoryStorage()
    return LoginRateLimiter(storage, settings.login_rate_limit, settings.login_ip_rate_limit)
