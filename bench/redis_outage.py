"""Redis away at scale (issue 23): Redis stops mid-traffic under thousands of streams.

`python -m bench.redis_outage [--workers 5] [--streams 5000] [--users 50] [--outage 10]`
(not part of `make bench`; about two minutes plus the app's start):

1. the app is served as `make run` serves it (`python -m notification_center.serve`) with a
   private `redis-server` (`REFLEX_REDIS_URL`), PostgreSQL as tests/support/processes.py
   starts it (SQLite when no PostgreSQL is installed; the result says which) and
   `GRANIAN_WORKERS` granian workers;
2. `--users` users (bench/seed.py) hold `--streams` idle SSE streams between them, held by
   client processes (bench/outage_client.py) that reconnect and resume with Last-Event-ID
   when a stream ends, as the page does. `NC_MAX_CONNECTIONS_PER_USER` is each user's share
   plus PROBE_EXTRA;
3. an operator sends `--rate` notifications a second (each to a handful of users, every
   EVERYONE_EVERY-th to all of them) for `--before` seconds, then Redis is killed (SIGKILL)
   for `--outage` seconds and restarted on the same port, empty, and the sends go on for
   `--after` seconds. Half-way through the outage, and again half-way through the after part,
   `--blips` of the streams are cut (a network blip); they reconnect and resume. `/api/health`
   (a new connection each time, so any worker answers) and the operator console's
   `/api/notifications/stats` are polled throughout;
4. then: does every stream have every notification acknowledged (201) for its user exactly
   once; when did health answer `ok` again, and Redis count every worker's subscription;
   when did the last stream have everything sent during the outage; do the stats count
   every open stream again; does the per-user limit hold cluster-wide again (PROBE_EXTRA + 1
   more streams of one user: the last must be refused with 429).

Results: bench/results/redis-outage.json (raw) and .md (the table); logs in
bench/results/tmp/redis-outage/. Losses are reported, not raised.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis

from bench.lean_http import marker
from bench.scale import group_rss_kib
from bench.stats import percentile
from tests.support.processes import ROOT, AppServer, PostgresServer, RedisServer, free_port, postgres_bin

RESULTS = Path(__file__).resolve().parent / "results"
SEQ_BASE = 3_000_000
HANDFUL = 3  # users per ordinary send
EVERYONE_EVERY = 20  # every 20th send goes to every user
PROBE_EXTRA = 3  # headroom over each user's streams in NC_MAX_CONNECTIONS_PER_USER
STREAMS_PER_CLIENT = 8000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# -- the servers ------------------------------------------------------------------------


def _stable_port(workdir: Path) -> int:
    """The same port as last time if it is free: the frontend build bakes the port in, and
    the launcher rebuilds (minutes) when it changes."""
    saved = workdir / "port"
    if saved.exists():
        import socket

        port = int(saved.read_text())
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                pass
    port = free_port()
    saved.write_text(str(port))
    return port


def start_database(workdir: Path) -> tuple[PostgresServer | None, str]:
    if postgres_bin() is None:
        return None, f"sqlite:///{workdir / 'app.db'}"
    data = workdir / "pg"
    if data.exists():
        shutil.rmtree(data)  # our own throw-away cluster from an earlier run
    pg = PostgresServer(free_port(), data).start()
    return pg, pg.create_database("outage")


def kill_redis(redis: RedisServer) -> None:
    """Redis stops abruptly (SIGKILL): no goodbye to its clients."""
    assert redis.proc is not None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(redis.proc.pid, signal.SIGKILL)
    redis.proc.wait(10)


def seed(app: AppServer, users: int) -> dict[str, Any]:
    out = app.workdir / "seed.json"
    subprocess.run(
        [sys.executable, "-m", "bench.seed", str(users), str(out)], cwd=ROOT, env=app.env(), check=True, timeout=600
    )
    return json.loads(out.read_text())


def worker_count(app: AppServer) -> int:
    return len(set(re.findall(r"Spawning worker-(\d+)", app.log_path.read_text())))


async def subscribers(url: str) -> int:
    async with aioredis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as r:
        ((_, count),) = await r.pubsub_numsub("nc:events")
    return int(count)


# -- what runs during the scenario ------------------------------------------------------


class Timeline:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.killed: float | None = None
        self.restarting: float | None = None
        self.back: float | None = None  # the new Redis answers PING

    def phase(self, t: float) -> str:
        if self.killed is None or t < self.killed:
            return "before"
        if self.back is None or t < self.back:
            return "during"
        return "after"

    def rel(self, t: float | None) -> float | None:
        return None if t is None else round(t - self.start, 3)


async def sender(
    url: str, cookie: str, usernames: list[str], rate: float, stop: asyncio.Event, tl: Timeline
) -> list[dict[str, Any]]:
    """Steady `rate` sends a second, each in its own task, so one slow POST does not slow the rest."""
    sends: list[dict[str, Any]] = []
    users = len(usernames)

    async def one(client: httpx.AsyncClient, i: int) -> None:
        seq = SEQ_BASE + i
        if i % EVERYONE_EVERY == EVERYONE_EVERY - 1:
            to = list(range(users))
        else:
            to = sorted({(HANDFUL * i + k) % users for k in range(HANDFUL)})
        row: dict[str, Any] = {"seq": seq, "users": to, "started": time.perf_counter()}
        sends.append(row)
        body = {"title": marker(seq), "content": "Redis outage bench.", "recipients": [usernames[u] for u in to]}
        try:
            r = await client.post("/api/notifications", json=body)
            row["status"] = r.status_code
            if r.status_code != 201:
                row["body"] = r.text[:300]
        except httpx.HTTPError as exc:
            row["status"] = 0
            row["body"] = repr(exc)
        row["finished"] = time.perf_counter()

    tasks = []
    async with httpx.AsyncClient(base_url=url, headers={"cookie": cookie}, timeout=30) as client:
        i = 0
        begun = time.perf_counter()
        while not stop.is_set():
            tasks.append(asyncio.create_task(one(client, i)))
            i += 1
            await asyncio.sleep(max(0.0, begun + i / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
    for row in sends:
        row["phase"] = tl.phase(row["started"])
    return sends


async def poll_health(url: str, stop: asyncio.Event, every: float = 0.1) -> list[dict[str, Any]]:
    seen = []
    async with httpx.AsyncClient(base_url=url, timeout=5, headers={"Connection": "close"}) as client:
        while not stop.is_set():
            started = time.perf_counter()
            row: dict[str, Any] = {"t": started}
            try:
                r = await client.get("/api/health")
                row["status"] = r.status_code
                with contextlib.suppress(ValueError):
                    body = r.json()
                    row["redis"], row["db"] = body.get("redis"), body.get("db")
            except httpx.HTTPError as exc:
                row["status"], row["error"] = 0, repr(exc)
            row["ms"] = round((time.perf_counter() - started) * 1000, 1)
            seen.append(row)
            await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))
    return seen


async def poll_stats(url: str, cookie: str, stop: asyncio.Event, every: float = 0.5) -> list[dict[str, Any]]:
    seen = []
    async with httpx.AsyncClient(base_url=url, timeout=10, headers={"cookie": cookie, "Connection": "close"}) as c:
        while not stop.is_set():
            started = time.perf_counter()
            row: dict[str, Any] = {"t": started}
            try:
                r = await c.get("/api/notifications/stats")
                row["status"] = r.status_code
                if r.status_code == 200:
                    body = r.json()
                    row["total"], row["users"] = body["totalClients"], body["userClientCounts"]
            except httpx.HTTPError as exc:
                row["status"], row["error"] = 0, repr(exc)
            seen.append(row)
            await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))
    return seen


def _pg_sample(db_url: str) -> tuple[int, int, int]:
    """PostgreSQL's committed transactions, open connections (backends) and their limit."""
    import psycopg2

    dsn = db_url.replace("postgresql+psycopg2://", "postgresql://")
    with contextlib.closing(psycopg2.connect(dsn, connect_timeout=2)) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT sum(xact_commit), sum(numbackends), current_setting('max_connections') FROM pg_stat_database"
        )
        commits, backends, limit = cur.fetchone()
    return int(commits), int(backends), int(limit)


async def poll_postgres(db_url: str, stop: asyncio.Event, every: float = 0.5) -> list[tuple[float, int, int, int]]:
    """(time, committed transactions, connections): the database work of the recovery."""
    seen = []
    while not stop.is_set():
        started = time.perf_counter()
        with contextlib.suppress(Exception):
            seen.append((started, *await asyncio.to_thread(_pg_sample, db_url)))
        await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))
    return seen


async def poll_subscribers(redis_url: str, stop: asyncio.Event, every: float = 0.1) -> list[tuple[float, int]]:
    seen = []
    while not stop.is_set():
        started = time.perf_counter()
        try:
            seen.append((started, await subscribers(redis_url)))
        except Exception:
            seen.append((started, -1))
        await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))
    return seen


async def limit_probe(url: str, cookie: str, extra: int) -> list[int]:
    """Open `extra + 1` more streams of a user whose share is open: statuses in order."""
    statuses = []
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(extra + 1):
            client = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=10))
            response = await stack.enter_async_context(
                client.stream("GET", "/api/notifications/stream", headers={"cookie": cookie, "Connection": "close"})
            )
            statuses.append(response.status_code)
    return statuses


# -- the run ----------------------------------------------------------------------------


def _spawn_clients(
    port: int, cookies: list[str], owners: list[int], workdir: Path
) -> list[tuple[subprocess.Popen, Path]]:
    procs = []
    n = max(1, math.ceil(len(owners) / STREAMS_PER_CLIENT))
    for k in range(n):
        spec = workdir / f"client-{k}.spec.json"
        out = workdir / f"client-{k}.json"
        out.unlink(missing_ok=True)
        spec.write_text(json.dumps({"port": port, "cookies": cookies, "streams": owners[k::n]}))
        command = [sys.executable, "-m", "bench.outage_client", str(spec), str(out)]
        procs.append(
            (subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True), out)
        )
    for proc, _ in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"a client process could not open its streams ({line!r})")
    return procs


async def _nothing() -> list:
    return []


def _drop(procs: list[tuple[subprocess.Popen, Path]], share: float, offset: int) -> int:
    """Cut `share` of every client's streams (a network blip); how many were cut."""
    total = 0
    for proc, _ in procs:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"drop": share, "offset": offset}) + "\n")
        proc.stdin.flush()
        total += int(proc.stdout.readline().split()[1])
    return total


async def _wait(check, within: float, every: float = 0.2) -> float | None:
    """Seconds until `check()` (async) is true, or None after `within`."""
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        with contextlib.suppress(Exception):
            if await check():
                return time.perf_counter() - started
        await asyncio.sleep(every)
    return None


async def scenario(args: argparse.Namespace, app: AppServer, redis: RedisServer, seeded: dict[str, Any], workdir: Path):
    users = args.users
    owners = [i % users for i in range(args.streams)]
    per_user = Counter(owners)
    pgid = app.proc.pid if app.proc else 0
    workers = worker_count(app)
    log(f"{workers} workers; {args.streams} streams of {users} users ({max(per_user.values())} each at most)")
    rss_before = group_rss_kib(pgid)
    opened = time.perf_counter()
    procs = await asyncio.to_thread(_spawn_clients, app.port, seeded["users"], owners, workdir)
    open_seconds = time.perf_counter() - opened
    log(f"streams open in {open_seconds:.1f} s")
    expected_counts = {seeded["ids"][u]: n for u, n in per_user.items()}

    async def presence_complete() -> bool:
        async with httpx.AsyncClient(base_url=app.url, headers={"cookie": seeded["operator"]}, timeout=10) as c:
            body = (await c.get("/api/notifications/stats")).json()
        return body["userClientCounts"] == expected_counts

    settle = await _wait(presence_complete, 60)
    log(f"presence counts every stream: {settle is not None}")
    probe_before = await limit_probe(app.url, seeded["users"][0], PROBE_EXTRA)
    log(f"limit probe before the outage: {probe_before}")
    await _wait(presence_complete, 30)  # the probe's streams are gone again
    rss_held = group_rss_kib(pgid)

    tl = Timeline()
    stop_sending, stop_polls = asyncio.Event(), asyncio.Event()
    sending = asyncio.create_task(sender(app.url, seeded["operator"], seeded["usernames"], args.rate, stop_sending, tl))
    health = asyncio.create_task(poll_health(app.url, stop_polls))
    stats = asyncio.create_task(poll_stats(app.url, seeded["operator"], stop_polls))
    db_url = app.env_overrides["REFLEX_DB_URL"]
    pg = asyncio.create_task(poll_postgres(db_url, stop_polls) if db_url.startswith("postgresql") else _nothing())
    await asyncio.sleep(args.before)
    log("killing Redis")
    tl.killed = time.perf_counter()
    await asyncio.to_thread(kill_redis, redis)
    await asyncio.sleep(args.outage / 2)
    dropped = {"during": await asyncio.to_thread(_drop, procs, args.blips, 0)}
    await asyncio.sleep(args.outage / 2)
    tl.restarting = time.perf_counter()
    await asyncio.to_thread(redis.start)
    tl.back = time.perf_counter()
    log(f"Redis back ({tl.back - tl.restarting:.2f} s to answer PING)")
    subs = asyncio.create_task(poll_subscribers(redis.url, stop_polls))
    await asyncio.sleep(args.after / 2)
    dropped["after"] = await asyncio.to_thread(_drop, procs, args.blips, 1)
    await asyncio.sleep(args.after / 2)
    stop_sending.set()
    sends = await sending
    log(f"{len(sends)} sends; waiting for every stream to have its notifications")

    expected: dict[int, list[int]] = {u: [] for u in range(users)}
    for row in sends:
        if row["status"] == 201:
            for u in row["users"]:
                expected[u].append(row["seq"])
    order = json.dumps({"expected": expected, "wait": args.wait}) + "\n"
    for proc, _ in procs:
        assert proc.stdin is not None
        proc.stdin.write(order)
        proc.stdin.flush()
    for proc, _ in procs:
        assert proc.stdout is not None
        line = await asyncio.to_thread(proc.stdout.readline)
        if not line.startswith("done"):
            raise RuntimeError(f"a client process failed ({line!r})")
    log("streams have everything they will get; stats and the per-user limit with every stream still open")
    await _wait(presence_complete, 60, every=0.5)  # then the limit probe, on recovered presence
    probe = await limit_probe(app.url, seeded["users"][0], PROBE_EXTRA)
    log(f"limit probe after the outage: {probe}")
    await asyncio.sleep(2)  # the stats poller sees the probe's streams gone again
    for proc, _ in procs:
        assert proc.stdin is not None
        proc.stdin.write("close\n")
        proc.stdin.flush()
    for proc, _ in procs:
        await asyncio.to_thread(proc.wait, 120)
    stop_polls.set()
    health_rows, stats_rows, sub_rows, pg_rows = await health, await stats, await subs, await pg
    rss_end = group_rss_kib(pgid)
    clients = [json.loads(out.read_text()) for _, out in procs]
    return {
        "workers": workers,
        "per_user": dict(per_user),
        "open_seconds": round(open_seconds, 2),
        "rss_mib": {
            "before_streams": round(rss_before / 1024, 1),
            "streams_held": round(rss_held / 1024, 1),
            "end": round(rss_end / 1024, 1),
        },
        "timeline": {
            "killed": tl.rel(tl.killed),
            "restarting": tl.rel(tl.restarting),
            "back": tl.rel(tl.back),
        },
        "tl": tl,
        "sends": sends,
        "health": health_rows,
        "stats": stats_rows,
        "subscribers": sub_rows,
        "postgres": pg_rows,
        "probe": probe,
        "probe_before": probe_before,
        "dropped": dropped,
        "clients": clients,
        "expected_counts": expected_counts,
    }


# -- the analysis -----------------------------------------------------------------------


def analyse(raw: dict[str, Any], workers_wanted: int, log_text: str) -> dict[str, Any]:
    tl: Timeline = raw["tl"]
    assert tl.killed is not None and tl.back is not None
    sends = raw["sends"]
    by_seq = {row["seq"]: row for row in sends}
    acked = {row["seq"] for row in sends if row["status"] == 201}
    phases: dict[str, dict[str, Any]] = {}
    for name in ("before", "during", "after"):
        rows = [r for r in sends if r["phase"] == name]
        statuses = Counter(r["status"] for r in rows)
        post_ms = [(r["finished"] - r["started"]) * 1000 for r in rows]
        phases[name] = {
            "sent": len(rows),
            "acknowledged_201": statuses.get(201, 0),
            "other_statuses": {str(k): v for k, v in statuses.items() if k != 201},
            "post_p50_ms": round(percentile(post_ms, 50), 1) if post_ms else None,
            "post_max_ms": round(max(post_ms), 1) if post_ms else None,
        }
    streams = [s for c in raw["clients"] for s in c["streams"]]
    lost = duplicated = unexpected = 0
    streams_complete = streams_with_loss = streams_with_dupes = 0
    reconnected = resumed = failed_attempts = 0
    last_during = last_during_uncut = tl.back
    latencies: dict[str, list[float]] = {"before": [], "during": [], "after": []}
    expected_for: dict[int, list[int]] = {}
    for row in sends:
        if row["status"] == 201:
            for u in row["users"]:
                expected_for.setdefault(u, []).append(row["seq"])
    for s in streams:
        counts = {int(k): v for k, v in s["counts"].items()}
        first = {int(k): v for k, v in s["first"].items()}
        want = expected_for.get(s["user"], [])
        missing = [q for q in want if q not in counts]
        dup = sum(v - 1 for q, v in counts.items() if v > 1)
        extra = sum(1 for q in counts if q not in acked or s["user"] not in by_seq[q]["users"])
        lost += len(missing)
        duplicated += dup
        unexpected += extra
        streams_complete += not missing and not dup
        streams_with_loss += bool(missing)
        streams_with_dupes += bool(dup)
        reconnected += s["connects"] > 1
        resumed += s["resumed"]
        failed_attempts += s["failed_attempts"]
        for q in want:
            if q in first:
                latencies[by_seq[q]["phase"]].append((first[q] - by_seq[q]["started"]) * 1000)
                if by_seq[q]["phase"] == "during":
                    last_during = max(last_during, first[q])
                    if not any(t >= tl.back for t in s["drops"]):  # its own reconnect's backoff aside
                        last_during_uncut = max(last_during_uncut, first[q])
    health = raw["health"]
    during_h = [h for h in health if tl.killed <= h["t"] < tl.back]
    first_error = next((h for h in health if h["t"] >= tl.killed and h.get("redis") == "error"), None)
    after_h = [h for h in health if h["t"] >= tl.back]
    first_ok = next((h for h in after_h if h.get("redis") == "ok" and h["status"] == 200), None)
    last_not_ok = max((h["t"] for h in after_h if not (h.get("redis") == "ok" and h["status"] == 200)), default=None)

    def documented(h: dict[str, Any]) -> bool:  # the outage's own answer
        return h["status"] == 503 and h.get("redis") == "error" and h.get("db") == "ok"

    health_5xx_other = [h for h in health if h["status"] >= 500 and not documented(h)]
    health_failed = [h for h in health if h["status"] == 0]
    subs_all = next((t for t, n in raw["subscribers"] if n >= raw["workers"]), None)
    stats_rows = raw["stats"]
    expected_counts = raw["expected_counts"]
    stats_ok_after = next((r["t"] for r in stats_rows if r["t"] >= tl.back and r.get("users") == expected_counts), None)
    stats_during = [r for r in stats_rows if tl.killed <= r["t"] < tl.back and r.get("status") == 200]
    send_5xx = [r for r in sends if r["status"] >= 500 or r["status"] == 0]
    tracebacks = log_text.count("Traceback (most recent call last)")
    running = log_text.split("App Running", 1)[-1]
    # What the workers logged (granian's own [INFO] lines aside), numbers and ports masked.
    server_lines = Counter(
        re.sub(r"\d+(\.\d+)?", "N", line)[:160]
        for line in running.splitlines()
        if line.strip() and not line.startswith(("[INFO]", "─"))
    )

    pg = raw.get("postgres") or []

    def commits_at(t: float) -> int | None:
        before = [c for when, c, _, _ in pg if when <= t]
        return before[-1] if before else None

    def commits_between(a: float, b: float) -> int | None:
        start, end = commits_at(a), commits_at(b)
        return None if start is None or end is None else end - start

    postgres = (
        {
            "commits_per_s_before_outage": round(
                (commits_between(pg[0][0], tl.killed) or 0) / max(tl.killed - pg[0][0], 0.1)
            ),
            "commits_in_10s_after_back": commits_between(tl.back, tl.back + 10),
            "connections_max": max(b for _, _, b, _ in pg),
            "connections_max_after_back": max((b for when, _, b, _ in pg if when >= tl.back), default=None),
            "max_connections": pg[-1][3],
        }
        if pg
        else None
    )

    def seconds(t: float | None) -> float | None:
        return None if t is None else round(t - tl.back, 2)

    return {
        "workers": raw["workers"],
        "workers_wanted": workers_wanted,
        "streams": len(streams),
        "streams_still_open": sum(c["still_open"] for c in raw["clients"]),
        "streams_cut": raw["dropped"],
        "clients_complete": all(c["complete"] for c in raw["clients"]),
        "open_seconds": raw["open_seconds"],
        "rss_mib": raw["rss_mib"],
        "timeline_s": raw["timeline"],
        "sends": phases,
        "deliveries": {
            "expected": sum(len(expected_for.get(s["user"], [])) for s in streams),
            "lost": lost,
            "duplicated": duplicated,
            "unexpected": unexpected,
            "streams_exactly_once": streams_complete,
            "streams_with_loss": streams_with_loss,
            "streams_with_duplicates": streams_with_dupes,
            "streams_reconnected": reconnected,
            "reconnects_resumed": resumed,
            "failed_reconnect_attempts": failed_attempts,
            "latency_ms": {
                k: {"p50": round(percentile(v, 50), 1), "p99": round(percentile(v, 99), 1), "max": round(max(v), 1)}
                for k, v in latencies.items()
                if v
            },
        },
        "recovery_s": {
            "redis_restart_to_ping": round(tl.back - (tl.restarting or tl.back), 2),
            "health_first_ok": seconds(first_ok["t"] if first_ok else None),
            "health_last_not_ok": seconds(last_not_ok),
            "every_worker_subscribed": seconds(subs_all),
            "last_stream_has_outage_sends": seconds(last_during),
            "last_stream_not_cut_after_has_outage_sends": seconds(last_during_uncut),
            "stats_count_every_stream": seconds(stats_ok_after),
        },
        "health": {
            "answers": len(health),
            "during_outage": len(during_h),
            "during_outage_redis_error_503": sum(1 for h in during_h if documented(h)),
            "during_outage_ok": sum(1 for h in during_h if h.get("redis") == "ok"),
            "first_error_after_kill_s": None if first_error is None else round(first_error["t"] - tl.killed, 2),
            "p99_ms": round(percentile([h["ms"] for h in health], 99), 1),
            "max_ms": max(h["ms"] for h in health),
            "other_5xx": len(health_5xx_other),
            "failed_requests": len(health_failed),
        },
        "postgres": postgres,
        "stats_during_outage": {
            "answers": len(stats_during),
            "total_clients_seen": sorted({r["total"] for r in stats_during}),
        },
        "limit_probe": {
            "limit": max(raw["per_user"].values()) + PROBE_EXTRA,
            "statuses_before_outage": raw["probe_before"],
            "statuses": raw["probe"],
            "holds": raw["probe"] == [200] * PROBE_EXTRA + [429],
        },
        "errors": {
            "send_5xx_or_failed": len(send_5xx),
            "send_5xx_examples": [{"status": r["status"], "body": r.get("body")} for r in send_5xx[:5]],
            "health_other_5xx": len(health_5xx_other),
            "server_log_tracebacks": tracebacks,
            "server_log_lines": dict(server_lines.most_common(20)),
        },
    }


def table(result: dict[str, Any]) -> str:
    r = result
    s, d, rec, h = r["sends"], r["deliveries"], r["recovery_s"], r["health"]
    lines = [
        f"Redis away for {r['settings']['outage']} s: {r['streams']:,} SSE streams of {r['settings']['users']} users, "
        f"{r['workers']} granian workers, {r['database']} (bench/redis_outage.py, {r['date']}, "
        f"load average {r['load_average_start']} at the start, {r['load_average_end']} at the end)",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| sends acknowledged (201) before / during / after | {s['before']['acknowledged_201']}/{s['before']['sent']}"
        f" / {s['during']['acknowledged_201']}/{s['during']['sent']} / {s['after']['acknowledged_201']}/"
        f"{s['after']['sent']} |",
        "| POST p50 / max (ms) before / during / after | "
        + " / ".join(f"{s[p]['post_p50_ms']}/{s[p]['post_max_ms']}" for p in ("before", "during", "after"))
        + " |",
        f"| deliveries expected | {d['expected']:,} |",
        f"| lost / duplicated / unexpected | {d['lost']} / {d['duplicated']} / {d['unexpected']} |",
        f"| streams with every notification exactly once | {d['streams_exactly_once']:,} of {r['streams']:,} |",
        f"| streams cut mid-outage / after it; streams that reconnected (reconnects resuming with Last-Event-ID) | "
        f"{r['streams_cut']['during']} / {r['streams_cut']['after']}; {d['streams_reconnected']} "
        f"({d['reconnects_resumed']}) |",
        f"| health `redis: error` 503 during the outage | {h['during_outage_redis_error_503']} of "
        f"{h['during_outage']} answers; first {h['first_error_after_kill_s']} s after the kill |",
        f"| Redis back → first health `ok` | {rec['health_first_ok']} s |",
        f"| Redis back → last health not `ok` | {rec['health_last_not_ok']} s |",
        f"| Redis back → every worker subscribed again | {rec['every_worker_subscribed']} s |",
        f"| Redis back → last stream has every outage send | {rec['last_stream_has_outage_sends']} s |",
        f"| ... among streams not cut after Redis was back | {rec['last_stream_not_cut_after_has_outage_sends']} s |",
        f"| Redis back → stats count every open stream | {rec['stats_count_every_stream']} s |",
        f"| per-user limit after recovery ({r['limit_probe']['limit']}; {PROBE_EXTRA + 1} more streams) | "
        f"{r['limit_probe']['statuses']} ({'holds' if r['limit_probe']['holds'] else 'does not hold'}) |",
    ]
    for phase, v in d["latency_ms"].items():
        lines.append(
            f"| arrival after the POST's start, {phase} (p50 / p99 / max ms) | {v['p50']} / {v['p99']} / {v['max']} |"
        )
    if r.get("postgres"):
        p = r["postgres"]
        lines.append(
            f"| PostgreSQL commits/s before the outage; commits in the 10 s after Redis was back | "
            f"{p['commits_per_s_before_outage']}; {p['commits_in_10s_after_back']} |"
        )
        lines.append(
            f"| PostgreSQL connections, max (after Redis was back); its max_connections | "
            f"{p['connections_max']} ({p['connections_max_after_back']}); {p['max_connections']} |"
        )
    lines += [
        f"| server RSS (MiB): no streams / streams held / end | {r['rss_mib']['before_streams']} / "
        f"{r['rss_mib']['streams_held']} / {r['rss_mib']['end']} |",
        f"| health p99 / max (ms), whole run | {h['p99_ms']} / {h['max_ms']} |",
        f"| errors: send 5xx or failed / other health 5xx / server tracebacks | {r['errors']['send_5xx_or_failed']} / "
        f"{r['errors']['health_other_5xx']} / {r['errors']['server_log_tracebacks']} |",
    ]
    return "\n".join(lines) + "\n"


def _commit() -> str:
    """HEAD, and "-dirty" when tracked files differ from it (the app ran from the work tree)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--outage", type=float, default=10)
    parser.add_argument("--rate", type=float, default=5, help="sends per second")
    parser.add_argument("--before", type=float, default=10, help="seconds of sends before the outage")
    parser.add_argument("--after", type=float, default=15, help="seconds of sends after Redis is back")
    parser.add_argument("--wait", type=float, default=120, help="how long streams may take to have everything")
    parser.add_argument(
        "--blips", type=float, default=0.1, help="share of streams cut mid-outage, and again after it (0: none)"
    )
    parser.add_argument("--ping", type=float, default=30, help="NC_PING_INTERVAL_SECONDS (the default is 30)")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    workdir = RESULTS / "tmp" / "redis-outage"  # stable: the app reuses its frontend build
    workdir.mkdir(parents=True, exist_ok=True)
    load_start = load_average()
    pg, db_url = start_database(workdir)
    redis = RedisServer(free_port()).start()
    per_user = math.ceil(args.streams / args.users)
    env = {
        "REFLEX_REDIS_URL": redis.url,
        "REFLEX_DB_URL": db_url,
        "GRANIAN_WORKERS": str(args.workers),
        "GRANIAN_LOG_LEVEL": "info",  # granian logs each worker it spawns
        "NC_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "NC_MAX_CONNECTIONS_PER_USER": str(per_user + PROBE_EXTRA),
        "NC_PING_INTERVAL_SECONDS": str(args.ping),
        "NC_LOGIN_RATE_LIMIT": "1000/minute",
        "NC_LOGIN_IP_RATE_LIMIT": "100000/minute",
    }
    app = AppServer(workdir / "app", env, port=_stable_port(workdir))
    app.log_path.unlink(missing_ok=True)
    try:
        log(f"starting the app ({args.workers} workers, {'PostgreSQL' if pg else 'SQLite'}) on port {app.port}")
        app.start(timeout=900)
        seeded = seed(app, args.users)
        raw = asyncio.run(scenario(args, app, redis, seeded, workdir))
    finally:
        app.stop()
        redis.stop()
        if pg is not None:
            pg.stop()
    result = analyse(raw, args.workers, app.log_path.read_text(errors="replace"))
    result.update(
        {
            "database": "PostgreSQL" if pg else "SQLite",
            "settings": vars(args),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load_average_start": load_start,
            "load_average_end": load_average(),
            "cpus": os.cpu_count(),
            "commit": _commit(),
        }
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "redis-outage.json").write_text(json.dumps(result, indent=2))
    (workdir / "raw.json").write_text(
        json.dumps({k: raw[k] for k in ("sends", "health", "stats", "subscribers", "timeline")}, default=str)
    )
    text = table(result)
    (RESULTS / "redis-outage.md").write_text(text)
    print(text)
    print(json.dumps({k: result[k] for k in ("deliveries", "recovery_s", "health", "errors")}, indent=2))


if __name__ == "__main__":
    main()
