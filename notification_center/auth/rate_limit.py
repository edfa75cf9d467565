"""Brute-force protection for sign-in, and request limits per API key and for bulk actions,
on the `limits` library.

Per client address, every attempt counts (a moving window, hit before the password check).
Per username, only failures count, yet parallel guesses cannot slip past the limit: an
attempt takes one of the username's "in-flight" slots before its password is checked, and
slots plus recorded failures never exceed the limit. With 2 failures of 5 allowed, at most 3
checks run at once; each that fails becomes a failure before its slot is given back, so a
burst of 20 wrong guesses gets exactly the remaining 3 checks. Correct sign-ins arriving
together (a shared account, a script) wait briefly for a slot instead of being refused,
and a success forgives the username's earlier failures.

With Redis configured, failures and slots are shared by every worker and node (slots
expire on their own if a worker dies mid-check); otherwise they are per process.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache

import anyio
import redis.asyncio as aioredis
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from notification_center.settings import get_settings

# How long a sign-in may wait for a free slot of its username before it is refused.
SLOT_WAIT_SECONDS = 10.0
# A slot held longer than this (a worker died mid-check) is given back by Redis.
SLOT_EXPIRY_SECONDS = 60


class RateLimited(Exception):
    """Too many attempts: answer 429 with Retry-After `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


@dataclass
class Attempt:
    """One password check; the caller says how it went (neither: it crashed, not counted)."""

    succeeded: bool = False
    failed: bool = False


class InFlight:
    """Per-username count of password checks under way, in this process."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    async def take(self, key: str) -> int:
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    async def give_back(self, key: str) -> None:
        left = self._counts.get(key, 1) - 1
        if left > 0:
            self._counts[key] = left
        else:
            self._counts.pop(key, None)


class RedisInFlight(InFlight):
    """The same count in Redis, shared by every worker and node."""

    def __init__(self, url: str) -> None:
        self._redis = aioredis.Redis.from_url(url)

    async def take(self, key: str) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(f"nc-login-inflight:{key}")
            pipe.expire(f"nc-login-inflight:{key}", SLOT_EXPIRY_SECONDS)
            count, _ = await pipe.execute()
        return int(count)

    async def give_back(self, key: str) -> None:
        if await self._redis.decr(f"nc-login-inflight:{key}") < 0:
            # The key had expired under a very long check: don't start below zero.
            await self._redis.delete(f"nc-login-inflight:{key}")


class LoginRateLimiter:
    def __init__(self, storage: Storage, in_flight: InFlight, per_user: str, per_ip: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._in_flight = in_flight
        self._per_user = parse(per_user)
        self._per_ip = parse(per_ip)

    async def _retry_after(self, limit: RateLimitItem, *key: str) -> int:
        stats = await self._limiter.get_window_stats(limit, *key)
        return max(1, int(stats.reset_time - time.time()) + 1)

    async def _take_slot(self, user_key: str) -> None:
        deadline = time.monotonic() + SLOT_WAIT_SECONDS
        while True:
            # Take first, then count failures: an attempt finishing meanwhile records its
            # failure before it gives its slot back, so it is seen at least once.
            in_flight = await self._in_flight.take(user_key)
            stats = await self._limiter.get_window_stats(self._per_user, "login-user", user_key)
            failures = self._per_user.amount - stats.remaining
            if failures + in_flight <= self._per_user.amount:
                return
            await self._in_flight.give_back(user_key)
            if failures >= self._per_user.amount:
                raise RateLimited(await self._retry_after(self._per_user, "login-user", user_key))
            if time.monotonic() >= deadline:
                raise RateLimited(1)
            await asyncio.sleep(0.02 + random.random() * 0.03)

    @asynccontextmanager
    async def attempt(self, username: str, client_ip: str) -> AsyncIterator[Attempt]:
        """Admit one sign-in attempt (raises RateLimited), and account for its outcome."""
        if not await self._limiter.hit(self._per_ip, "login-ip", client_ip):
            raise RateLimited(await self._retry_after(self._per_ip, "login-ip", client_ip))
        user_key = username.lower()
        await self._take_slot(user_key)
        outcome = Attempt()
        try:
            yield outcome
        finally:
            # Shielded: a client that hangs up mid-check must not keep its slot, nor have
            # its failure forgotten.
            with anyio.CancelScope(shield=True):
                try:
                    if outcome.failed:
                        await self._limiter.hit(self._per_user, "login-user", user_key)
                    elif outcome.succeeded:
                        await self._limiter.clear(self._per_user, "login-user", user_key)
                finally:
                    await self._in_flight.give_back(user_key)


@lru_cache(maxsize=1)
def _storage() -> Storage:
    """One limits storage per process: Redis (shared by every worker and node) when configured."""
    settings = get_settings()
    if settings.redis_url:
        return RedisStorage("async+" + settings.redis_url, implementation="redispy", key_prefix="nc-limits")
    return MemoryStorage()


@lru_cache(maxsize=1)
def get_login_rate_limiter() -> LoginRateLimiter:
    settings = get_settings()
    in_flight = RedisInFlight(settings.redis_url) if settings.redis_url else InFlight()
    return LoginRateLimiter(_storage(), in_flight, settings.login_rate_limit, settings.login_ip_rate_limit)


class RequestRateLimiter:
    """Requests per identity: per API key, and per user for bulk actions (each may rewrite
    a whole inbox, so a loop of them would hold the database's write lock). A fixed window:
    one counter increment per request, where a moving window would keep a timestamp per
    request in the window."""

    def __init__(self, storage: Storage, limit: str, namespace: str) -> None:
        self._limiter = FixedWindowRateLimiter(storage)
        self._limit = parse(limit)
        self._namespace = namespace

    async def hit(self, identity: str) -> None:
        """Count one request of `identity`; raises RateLimited when over the limit."""
        if not await self._limiter.hit(self._limit, self._namespace, identity):
            stats = await self._limiter.get_window_stats(self._limit, self._namespace, identity)
            raise RateLimited(max(1, int(stats.reset_time - time.time()) + 1))


@lru_cache(maxsize=1)
def get_key_rate_limiter() -> RequestRateLimiter:
    return RequestRateLimiter(_storage(), get_settings().key_rate_limit, "api-key")


@lru_cache(maxsize=1)
def get_confirm_mail_rate_limiter() -> RequestRateLimiter:
    """Email address changes of one user (each mails a confirmation link)."""
    return RequestRateLimiter(_storage(), get_settings().email_confirm_rate_limit, "email-confirm")


@lru_cache(maxsize=1)
def get_bulk_rate_limiter() -> RequestRateLimiter:
    """Bulk actions and undos of one user, from the API and the page alike."""
    return RequestRateLimiter(_storage(), get_settings().bulk_rate_limit, "bulk")
