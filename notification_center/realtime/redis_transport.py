"""Redis transport: fan-out across workers and nodes, and cluster-wide connection counts.

Chosen by `REFLEX_REDIS_URL` (see broadcaster.py). Per worker process there is exactly one
Pub/Sub subscription, owned by a listener task; every worker publishes JSON messages on
one channel and hands every message it receives to its broadcaster.

Redis layout (`prefix` defaults to "nc"; the `{presence}` hash tag keeps the presence
keys in one Redis Cluster slot; note the stats script derives per-user keys from the index
rather than declaring them, so Redis Cluster is not a supported target as written):

    nc:events                       Pub/Sub channel; payload = JSON of a realtime Message
    nc:{presence}:users             SET of user ids that may hold connections (an index)
    nc:{presence}:user:<user_id>    ZSET: member = "<instance>:<client_id>",
                                    score = expiry time in ms (Redis server clock)

`instance` is a random id per transport (= per worker process), because stream client
ids are only unique inside one process. Presence entries live `presence_ttl` seconds
(default 15 s) and each worker's heartbeat task re-arms its own live entries every
`presence_ttl / 3` seconds. A worker that dies stops heartbeating, so its entries expire
by themselves: expired members are purged whenever presence is read or written (the per-
user limit check and the stats), and whole keys carry a PEXPIRE of twice the TTL. All
times come from Redis' own clock (`TIME` inside the scripts), so nodes need not agree
on the time.

Faults: when Redis goes away the worker keeps serving. The listener logs it, `health()`
says "error", and it reconnects with capped exponential backoff (with jitter). After
every (re)subscription it calls the broadcaster's resync hook, so every local stream
catches up from the database: nothing published while the subscription was down is
lost. Meanwhile `publish()` logs the failure and still delivers to this worker's own
streams; the limit check falls back to this worker's own count; the heartbeat re-creates
this worker's presence entries once Redis is back (a restarted Redis may have lost them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from notification_center.realtime.messages import Message
from notification_center.realtime.transport import ConnectionStats, Transport

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "nc"
DEFAULT_PRESENCE_TTL = 15.0
# While this worker's presence entries may be missing from Redis (a presence call failed),
# the heartbeat retries this often instead of every `heartbeat_interval`.
PRESENCE_RETRY_SECONDS = 1.0

# Server-side clock in milliseconds (scripts then write with effects replication).
_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: user zset, users index. ARGV: member, limit, ttl_ms, user_id. -> 1 acquired, 0 full
_ACQUIRE = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ttl = tonumber(ARGV[3])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ttl * 2)
return 1
"""
)

# KEYS: user zset, users index. ARGV: member, user_id.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
"""

# KEYS: users index, then one zset per user. ARGV: ttl_ms, then per user key:
# user_id, n, member_1 .. member_n. Re-arms (or re-creates) this worker's entries.
_HEARTBEAT = (
    _NOW_MS
    + """
local ttl = tonumber(ARGV[1])
local i = 2
for k = 2, #KEYS do
  local uid = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  for j = 0, n - 1 do
    redis.call('ZADD', KEYS[k], now + ttl, ARGV[i + j])
  end
  i = i + n
  redis.call('PEXPIRE', KEYS[k], ttl * 2)
  redis.call('SADD', KEYS[1], uid)
end
if #KEYS > 1 then
  redis.call('PEXPIRE', KEYS[1], ttl * 2)
end
return #KEYS - 1
"""
)

# KEYS: users index. ARGV: user key prefix. -> flat [user_id, count, ...] of live users.
_STATS = (
    _NOW_MS
    + """
local out = {}
for _, uid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. uid
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local n = redis.call('ZCARD', key)
  if n == 0 then
    redis.call('SREM', KEYS[1], uid)
  else
    table.insert(out, uid)
    table.insert(out, n)
  end
end
return out
"""
)


def _redacted(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


class RedisTransport(Transport):
    """Redis Pub/Sub fan-out plus Redis-backed presence; see the module docstring."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        presence_ttl: float = DEFAULT_PRESENCE_TTL,
        heartbeat_interval: float | None = None,
        backoff_initial: float = 0.2,
        backoff_max: float = 5.0,
        start_timeout: float = 3.0,
        command_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.channel = f"{prefix}:events"
        self.users_key = f"{prefix}:{{presence}}:users"
        self.user_key_prefix = f"{prefix}:{{presence}}:user:"
        self.presence_ttl = presence_ttl
        self.heartbeat_interval = heartbeat_interval or presence_ttl / 3
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.start_timeout = start_timeout
        self.command_timeout = command_timeout
        self.instance = uuid.uuid4().hex[:12]

        self._redis: aioredis.Redis | None = None
        self._listener: asyncio.Task | None = None
        self._heartbeat: asyncio.Task | None = None
        # asyncio objects are created on first use, on the worker's running event loop.
        self._subscribed: asyncio.Event | None = None
        self._wakeup: asyncio.Event | None = None
        self._scripts: dict[str, Any] = {}
        self._started = False
        self._stopping = False
        # This worker's live presence entries: member -> user id.
        self._held: dict[str, str] = {}
        self._presence_lock: asyncio.Lock | None = None
        self._publish_failing = False
        self._presence_failing = False
        # A presence call failed since the last successful heartbeat: Redis may have lost
        # this worker's entries (a restart empties it), so re-create them as soon as it answers.
        self._presence_due = False
        self.resubscriptions = 0  # successful (re)subscriptions, for logs and tests

    # -- helpers ----------------------------------------------------------------------
    def user_key(self, user_id: str) -> str:
        return self.user_key_prefix + user_id

    def _member(self, client_id: str) -> str:
        return f"{self.instance}:{client_id}"

    def _client(self) -> aioredis.Redis:
        """The command client, created lazily on the running event loop."""
        if self._redis is None:
            self._redis = aioredis.Redis.from_url(
                self.url,
                socket_connect_timeout=2.0,
                socket_timeout=self.command_timeout,
                # One immediate retry covers a pooled connection that a Redis restart
                # closed; the default policy would back off for many seconds.
                retry=Retry(NoBackoff(), 1),
                decode_responses=True,
            )
            self._scripts = {
                name: self._redis.register_script(src)
                for name, src in (
                    ("acquire", _ACQUIRE),
                    ("release", _RELEASE),
                    ("heartbeat", _HEARTBEAT),
                    ("stats", _STATS),
                )
            }
        return self._redis

    def _lock(self) -> asyncio.Lock:
        if self._presence_lock is None:
            self._presence_lock = asyncio.Lock()
        return self._presence_lock

    def _subscribed_event(self) -> asyncio.Event:
        if self._subscribed is None:
            self._subscribed = asyncio.Event()
        return self._subscribed

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Start the listener and heartbeat; waits briefly for the first subscription.

        Never fails because Redis is down: the listener keeps retrying in the background.
        """
        if self._started:
            return
        self._started = True
        self._stopping = False
        self._client()
        subscribed = self._subscribed_event()
        self._listener = asyncio.create_task(self._listen(), name="nc-redis-listener")
        self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="nc-redis-heartbeat")
        try:
            await asyncio.wait_for(subscribed.wait(), self.start_timeout)
        except TimeoutError:
            where = _redacted(self.url)
            logger.error("Redis at %s not reachable at start; serving on, retrying in the background", where)

    async def stop(self, *, release: bool = True) -> None:
        """Stop listening and heartbeating; by default remove this worker's presence entries.

        `release=False` leaves the entries to expire, as if the worker had crashed (tests).
        """
        self._stopping = True
        for task in (self._listener, self._heartbeat):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._listener = self._heartbeat = None
        if release and self._held and self._redis is not None:
            held, self._held = dict(self._held), {}
            try:
                async with asyncio.timeout(self.command_timeout):
                    for member, user_id in held.items():
                        await self._release_remote(member, user_id)
            except (RedisError, OSError, TimeoutError) as exc:
                logger.warning("could not remove presence entries on shutdown (they expire by themselves): %s", exc)
        self._held.clear()
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()
            self._redis = None
        if self._subscribed is not None:
            self._subscribed.clear()
        self._started = False

    # -- Pub/Sub ----------------------------------------------------------------------
    async def publish(self, message: Message) -> None:
        """Publish to every worker. If Redis is away, deliver to this worker only and log.

        Never raises for a Redis fault: the message is already persisted (or is a read-
        state hint), and streams on other workers catch up from the database when the
        subscription comes back (resync) or at their next periodic check.
        """
        await self.publish_many([message])

    async def publish_many(self, messages: Sequence[Message]) -> None:
        """`publish` for many messages in one pipelined round trip (a send to many users)."""
        if not messages:
            return
        try:
            async with self._client().pipeline(transaction=False) as pipe:
                for message in messages:
                    pipe.publish(self.channel, json.dumps(message, separators=(",", ":"), ensure_ascii=False))
                await pipe.execute()
        except (RedisError, OSError, TimeoutError) as exc:
            if not self._publish_failing:
                logger.error("publishing to Redis failed (%s); delivering on this worker only until it is back", exc)
            self._publish_failing = True
            # A stream de-duplicates by cursor, so a message Redis did deliver after all
            # is not shown twice.
            for message in messages:
                self._deliver(message)
            return
        if self._publish_failing:
            logger.warning("publishing to Redis works again")
            self._publish_failing = False

    def _deliver(self, message: Any) -> None:
        if self._on_message is None:
            return
        try:
            self._on_message(message)
        except Exception:
            logger.exception("dispatching a message failed")

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_max, self.backoff_initial * 2**attempt)
        return delay * random.uniform(0.5, 1.0)

    async def _listen(self) -> None:
        """The one subscription of this worker: subscribe, dispatch, reconnect on faults."""
        attempt = 0
        subscribed = self._subscribed_event()
        while not self._stopping:
            pubsub = aioredis.Redis.from_url(
                self.url,
                socket_connect_timeout=2.0,
                retry=Retry(NoBackoff(), 0),
                # Pings an idle subscription so a silently dead peer is noticed too.
                health_check_interval=max(1, int(self.heartbeat_interval)),
            ).pubsub(ignore_subscribe_messages=False)
            try:
                await pubsub.subscribe(self.channel)
                # Wait for Redis to confirm: from then on nothing published is missed.
                while True:
                    reply = await pubsub.get_message(timeout=self.command_timeout)
                    if reply is None:
                        raise TimeoutError("no SUBSCRIBE confirmation")
                    if reply["type"] == "subscribe":
                        break
                    if reply["type"] == "message":  # cannot happen before the confirmation
                        self._receive(reply["data"])
                attempt = 0
                self.resubscriptions += 1
                subscribed.set()
                if self.resubscriptions == 1:
                    logger.info("subscribed to Redis channel %r (instance %s)", self.channel, self.instance)
                else:
                    logger.warning("Redis is back: resubscribed to %r; local streams catch up", self.channel)
                # Anything published while we were not subscribed is in the database.
                self._resync()
                self._heartbeat_now()
                while not self._stopping:
                    reply = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if reply is not None and reply["type"] == "message":
                        self._receive(reply["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, TimeoutError) as exc:
                was_subscribed = subscribed.is_set()
                subscribed.clear()
                delay = self._backoff(attempt)
                attempt += 1
                if was_subscribed:
                    logger.error("lost the Redis subscription (%s); reconnecting", exc)
                else:
                    logger.warning("Redis unreachable (%s); retry %d in %.1fs", exc, attempt, delay)
                await asyncio.sleep(delay)
            except Exception:
                subscribed.clear()
                logger.exception("Redis listener failed; restarting it")
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._close_pubsub(pubsub))

    @staticmethod
    async def _close_pubsub(pubsub: Any) -> None:
        await pubsub.aclose()
        await pubsub.connection_pool.disconnect()

    def _receive(self, data: Any) -> None:
        try:
            message = json.loads(data)
        except (TypeError, ValueError):
            logger.warning("ignoring a malformed message on %r", self.channel)
            return
        if not isinstance(message, dict) or "userId" not in message or "kind" not in message:
            logger.warning("ignoring a malformed message on %r", self.channel)
            return
        self._deliver(message)

    def _resync(self) -> None:
        if self._on_resync is None:
            return
        try:
            self._on_resync()
        except Exception:
            logger.exception("resync after subscribing failed")

    # -- presence ---------------------------------------------------------------------
    async def try_acquire(self, user_id: str, client_id: str, limit: int) -> bool:
        member = self._member(client_id)
        try:
            ok = await self._scripts_call(
                "acquire",
                keys=[self.user_key(user_id), self.users_key],
                args=[member, limit, int(self.presence_ttl * 1000), user_id],
            )
        except (RedisError, OSError, TimeoutError) as exc:
            # Degraded: enforce the limit among this worker's own streams; the heartbeat
            # publishes these entries once Redis is back.
            self._presence_error(exc)
            mine = sum(1 for uid in self._held.values() if uid == user_id)
            if mine >= limit:
                return False
            self._held[member] = user_id
            return True
        self._presence_ok()
        if ok:
            self._held[member] = user_id
        return bool(ok)

    async def release(self, user_id: str, client_id: str) -> None:
        member = self._member(client_id)
        async with self._lock():  # never races a heartbeat that would re-add it
            if self._held.pop(member, None) is None or self._redis is None:
                return
            try:
                await self._release_remote(member, user_id)
            except (RedisError, OSError, TimeoutError) as exc:
                self._presence_error(exc)  # the entry expires by itself within the TTL

    async def _release_remote(self, member: str, user_id: str) -> None:
        await self._scripts_call("release", keys=[self.user_key(user_id), self.users_key], args=[member, user_id])

    async def stats(self) -> ConnectionStats:
        try:
            flat = await self._scripts_call("stats", keys=[self.users_key], args=[self.user_key_prefix])
        except (RedisError, OSError, TimeoutError) as exc:
            self._presence_error(exc)
            counts: dict[str, int] = {}
            for uid in self._held.values():  # degraded: this worker's view only
                counts[uid] = counts.get(uid, 0) + 1
            return ConnectionStats(total_clients=sum(counts.values()), user_client_counts=counts)
        self._presence_ok()
        counts = {str(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}
        return ConnectionStats(total_clients=sum(counts.values()), user_client_counts=counts)

    async def health(self) -> str:
        """`ok` when Redis answers PING and this worker's subscription is live, else `error`."""
        try:
            async with asyncio.timeout(1.5):
                await self._client().ping()
        except (RedisError, OSError, TimeoutError):
            return "error"
        if self._started and not self._subscribed_event().is_set():
            return "error"
        return "ok"

    async def _scripts_call(self, name: str, *, keys: list[str], args: list[Any]) -> Any:
        self._client()
        async with asyncio.timeout(self.command_timeout):
            return await self._scripts[name](keys=keys, args=args)

    def _presence_error(self, exc: BaseException) -> None:
        if not self._presence_failing:
            logger.error("Redis presence unavailable (%s); counting this worker's streams only", exc)
        self._presence_failing = True
        self._presence_due = True

    def _presence_ok(self) -> None:
        if self._presence_failing:
            logger.warning("Redis presence works again")
            self._presence_failing = False
            if self._presence_due:  # the entries may be gone: put them back now, not at the next beat
                self._heartbeat_now()

    async def heartbeat(self) -> int:
        """Re-arm (or re-create) this worker's presence entries; returns the users touched."""
        async with self._lock():
            by_user: dict[str, list[str]] = {}
            for member, uid in self._held.items():
                by_user.setdefault(uid, []).append(member)
            if not by_user:
                return 0
            keys = [self.users_key]
            args: list[Any] = [int(self.presence_ttl * 1000)]
            for uid, members in by_user.items():
                keys.append(self.user_key(uid))
                args += [uid, len(members), *members]
            return int(await self._scripts_call("heartbeat", keys=keys, args=args))

    def _heartbeat_now(self) -> None:
        self._heartbeat_wakeup().set()

    def _heartbeat_wakeup(self) -> asyncio.Event:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        return self._wakeup

    async def _heartbeat_loop(self) -> None:
        """Re-arm this worker's entries every `heartbeat_interval`; while they may be missing
        (a presence call failed), every PRESENCE_RETRY_SECONDS, so that presence and the
        cluster-wide limit are back within about a second of Redis answering again, whatever
        the subscription's reconnect backoff (bench/redis_outage.py measured up to 3.4 s)."""
        wakeup = self._heartbeat_wakeup()
        while not self._stopping:
            interval = self.heartbeat_interval
            if self._presence_due:
                interval = min(interval, PRESENCE_RETRY_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), interval)
            wakeup.clear()
            try:
                await self.heartbeat()
            except (RedisError, OSError, TimeoutError) as exc:
                self._presence_error(exc)
            except Exception:
                logger.exception("presence heartbeat failed")
            else:
                self._presence_due = False
                self._presence_ok()
