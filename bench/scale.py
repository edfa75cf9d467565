"""Scenarios at the scale users run (issue 8): thousands of streams on one node.

- A. idle streams held (1k → 5k → 10k → 18k): open rate, RSS per stream, health (and for
  the app, page) latency while they are held; app and bare baseline.
- B. one notification to N streams of one user (1k, 10k): arrival p50/p99/max, server
  CPU per delivery; app and baseline.
- C. send to "all" with 10,000 users each holding a stream: POST time, time until the
  last stream has it.
- D. reconnect storm: those 10,000 streams cut by a server restart; 3 sends before, 5
  right after it answers again; every stream resumes with Last-Event-ID: time until all
  caught up, gaps, duplicates.

The app is served exactly as `make run` serves it (notification_center/serve.py, one
worker, SQLite); the baseline is bench/baseline_server.py under granian with the same
connection limits. `--smoke` runs small sizes and fails (exit 1) when a stream or a
notification is lost or the app stops answering, never on timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cpu import group_cpu_seconds
from bench.lean_http import Connection, marker
from bench.servers import HOST, BaselineServer
from bench.stats import percentile, ratio
from bench.tabs import TabRecording, open_tabs, record_tab
from bench.taps import Arrivals, Tap, close_taps, next_source_host, open_taps, request_bytes
from bench.targets import session_cookie
from tests.support.processes import ROOT, AppServer, RedisServer, free_port


@dataclass(frozen=True)
class ScaleProfile:
    name: str
    idle_steps: tuple[int, ...]
    baseline_idle_steps: tuple[int, ...]
    fanout_sizes: tuple[int, ...]
    fanout_sends: int
    all_users: int
    all_sends: int
    redis_streams: int  # E; 0 skips it
    tab_counts: tuple[int, ...]  # F


FULL = ScaleProfile(
    "full", (1000, 5000, 10000, 18000), (1000, 5000, 10000, 18000), (1000, 10000), 10, 10000, 3, 20000, (1000, 5000)
)
SMOKE = ScaleProfile("smoke", (1100,), (1100,), (300,), 3, 300, 1, 0, (100,))

RETRY_SECONDS = 3.0  # NC_RETRY_MS and the stream component's reconnect_delay

APP_ENV = {
    "NC_MAX_CONNECTIONS_PER_USER": "20000",
    "NC_PING_INTERVAL_SECONDS": "30",
    "NC_CLIENT_BUFFER_SIZE": "256",
    "NC_LOGIN_RATE_LIMIT": "1000/minute",
    "NC_LOGIN_IP_RATE_LIMIT": "100000/minute",
}


def log(message: str) -> None:
    print(message, flush=True)


def group_rss_kib(pgid: int) -> int:
    total = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(status.read_text().rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (status.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


@dataclass
class Server:
    """What a scenario needs of a server, app or baseline."""

    name: str
    port: int
    pgid: int
    stream_path: str
    send_path: str
    health_path: str
    page_path: str | None

    def connection(self, cookie: str | None = None) -> Connection:
        return Connection(HOST, self.port, {"cookie": cookie} if cookie else {})


async def _latencies(server: Server, path: str, samples: int) -> dict[str, float]:
    conn = server.connection()
    times, failures = [], 0
    try:
        for _ in range(samples):
            started = time.perf_counter()
            try:
                response = await asyncio.wait_for(conn.request("GET", path), 10)
                ok = response.status in (200, 307)
            except (TimeoutError, OSError, ConnectionError):
                ok = False
                await conn.close()
            times.append((time.perf_counter() - started) * 1000)
            failures += not ok
    finally:
        await conn.close()
    return {
        "p50_ms": round(percentile(times, 50), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "max_ms": round(max(times), 1),
        "failures": failures,
    }


async def idle_streams(server: Server, steps: tuple[int, ...], cookie: str | None) -> list[dict[str, Any]]:
    """A: hold more and more idle streams; what each costs and whether the server answers."""
    rows: list[dict[str, Any]] = []
    taps_all = []
    arrivals = Arrivals()
    before = group_rss_kib(server.pgid)
    held = 0
    try:
        for step in steps:
            build = request_bytes(server.stream_path, f"{HOST}:{server.port}", cookie)
            taps, seconds = await open_taps(HOST, server.port, [build] * (step - held), arrivals)
            taps_all += taps
            await asyncio.sleep(2)
            rss = group_rss_kib(server.pgid)
            row = {
                "streams": step,
                "opened": step - held,
                "open_seconds": round(seconds, 2),
                "opened_per_s": round((step - held) / seconds),
                "rss_mib": round(rss / 1024, 1),
                "rss_per_stream_kib": round((rss - before) / step, 1),
                "health": await _latencies(server, server.health_path, 50),
                "still_open": sum(t.transport is not None for t in taps_all),
            }
            if server.page_path:
                row["page"] = await _latencies(server, server.page_path, 10)
            rows.append(row)
            held = step
            log(
                f"  {server.name:8} {step:>6} streams: opened {row['opened_per_s']}/s, "
                f"{row['rss_per_stream_kib']} KiB/stream, health p99 {row['health']['p99_ms']} ms"
            )
    finally:
        close_taps(taps_all)
        await asyncio.sleep(2)
    return rows


async def fanout(
    server: Server,
    n: int,
    sends: int,
    stream_cookie: str | None,
    send_cookie: str | None,
    send_body: Callable[[int], bytes],
) -> dict[str, Any]:
    """B: one user's N streams; `sends` notifications one after another."""
    arrivals = Arrivals()
    build = request_bytes(server.stream_path, f"{HOST}:{server.port}", stream_cookie)
    taps, _ = await open_taps(HOST, server.port, [build] * n, arrivals)
    conn = server.connection(send_cookie)
    per_delivery: list[float] = []
    all_received: list[float] = []
    lost = 0
    try:
        await asyncio.sleep(1)
        seq_base = 1_000_000 * (n % 997 + 1)
        cpu0 = group_cpu_seconds(server.pgid)
        for i in range(sends):
            seq = seq_base + i
            started = time.perf_counter()
            response = await conn.request("POST", server.send_path, send_body(seq))
            if response.status not in (200, 201):
                raise RuntimeError(f"{server.name} send: HTTP {response.status} {response.body[:200]!r}")
            if not await arrivals.wait_all(seq, n, 60):
                lost += n - arrivals.count(seq)
            times = [(t - started) * 1000 for t in arrivals.times.get(seq, {}).values()]
            per_delivery += times
            all_received.append(max(times) if times else float("nan"))
        cpu = group_cpu_seconds(server.pgid) - cpu0
    finally:
        await conn.close()
        close_taps(taps)
        await asyncio.sleep(2)
    return {
        "n": n,
        "sends": sends,
        "delivery_p50_ms": round(percentile(per_delivery, 50), 1),
        "delivery_p99_ms": round(percentile(per_delivery, 99), 1),
        "delivery_max_ms": round(max(per_delivery), 1) if per_delivery else None,
        "all_received_max_ms": round(max(all_received), 1),
        "cpu_us_per_delivery": round(cpu / (sends * n) * 1e6, 1),
        "lost": lost,
        "duplicates": arrivals.duplicates,
    }


def _send_body(recipients: Any) -> Callable[[int], bytes]:
    def body(seq: int) -> bytes:
        return json.dumps(
            {"title": marker(seq), "content": "A benchmark notification.", "recipients": recipients}
        ).encode()

    return body


def seed_users(app: AppServer, count: int) -> dict[str, Any]:
    out = app.workdir / f"seed-{count}.json"
    subprocess.run(
        [sys.executable, "-m", "bench.seed", str(count), str(out)], cwd=ROOT, env=app.env(), check=True, timeout=600
    )
    return json.loads(out.read_text())


async def send_to_all_and_storm(app: AppServer, server: Server, users: int, sends: int, storm: bool) -> dict[str, Any]:
    """C (and D when `storm`): every user holds one stream; sends go to "all"."""
    seeded = seed_users(app, users)
    arrivals = Arrivals()
    host = f"{HOST}:{server.port}"
    builds = [request_bytes(server.stream_path, host, cookie) for cookie in seeded["users"]]
    taps, open_seconds = await open_taps(HOST, server.port, builds, arrivals)
    everyone = len(taps)
    conn = server.connection(seeded["operator"])
    body = _send_body("all")
    result: dict[str, Any] = {"users": users, "open_seconds": round(open_seconds, 2)}
    seq = 5_000_000
    try:
        await asyncio.sleep(1)
        posts, lasts, lost, statuses = [], [], 0, []
        for _ in range(sends):
            seq += 1
            started = time.perf_counter()
            response = await conn.request("POST", "/api/notifications", body(seq))
            posted = time.perf_counter()
            # 202: more users than NC_BULK_SEND_THRESHOLD, written in batches after the answer.
            if response.status not in (201, 202):
                raise RuntimeError(f"send to all: HTTP {response.status} {response.body[:200]!r}")
            statuses.append(response.status)
            if not await arrivals.wait_all(seq, everyone, 60):
                lost += everyone - arrivals.count(seq)
            posts.append((posted - started) * 1000)
            lasts.append((max(arrivals.times[seq].values()) - started) * 1000 if arrivals.count(seq) else float("nan"))
        result["send_to_all"] = {
            "post_ms": [round(x) for x in posts],
            "last_stream_after_post_start_ms": [round(x) for x in lasts],
            "lost": lost,
            "status": statuses,
        }
        log(f"  C. send to all {users}: POST {posts} ms, last stream {lasts} ms, lost {lost}")
        if storm:
            result["storm"] = await _storm(app, server, taps, arrivals, conn, body, seq)
    finally:
        await conn.close()
        close_taps(taps)
        await asyncio.sleep(2)
    return result


async def _storm(
    app: AppServer,
    server: Server,
    taps: list[Tap],
    arrivals: Arrivals,
    conn: Connection,
    body: Callable[[int], bytes],
    seq: int,
) -> dict[str, Any]:
    """D: restart the server under everyone's feet; all resume with Last-Event-ID."""
    before_seqs = []
    for _ in range(3):
        seq += 1
        before_seqs.append(seq)
        await conn.request("POST", "/api/notifications", body(seq))
    for s in before_seqs:
        await arrivals.wait_all(s, len(taps), 60)
    await conn.close()
    stopping = time.perf_counter()
    await asyncio.to_thread(app.stop)
    stopped = time.perf_counter()

    async def resume(tap: Tap) -> None:
        """What the page's stream component does: back off (3 s, doubling, 0.5x-1.5x jitter)."""
        await tap.lost
        for attempt in range(8):
            await asyncio.sleep(min(RETRY_SECONDS * 2**attempt, 30) * random.uniform(0.5, 1.5))
            with contextlib.suppress(OSError, TimeoutError, ConnectionError):
                await tap.connect(HOST, server.port, _source(tap), timeout=30)
                return

    resumers = [asyncio.create_task(resume(tap)) for tap in taps]
    await asyncio.to_thread(app.start)
    answering = time.perf_counter()
    after_seqs = []
    for _ in range(5):
        seq += 1
        after_seqs.append(seq)
        response = await conn.request("POST", "/api/notifications", body(seq))
        if response.status not in (201, 202):
            raise RuntimeError(f"send after restart: HTTP {response.status}")
    caught_up = await asyncio.gather(*(arrivals.wait_all(s, len(taps), 120) for s in after_seqs))
    done = time.perf_counter()
    await asyncio.gather(*resumers, return_exceptions=True)
    missing = sum(len(taps) - arrivals.count(s) for s in before_seqs + after_seqs)
    row = {
        "streams": len(taps),
        # From SIGTERM to the old process gone, and from there to the new one answering.
        "stop_seconds": round(stopped - stopping, 2),
        "restart_seconds": round(answering - stopped, 2),
        "all_caught_up_seconds_after_answering": round(done - answering, 2),
        "complete": all(caught_up),
        "gaps": missing,
        "duplicates": arrivals.duplicates,
    }
    log(
        f"  D. storm of {len(taps)}: stop {row['stop_seconds']} s, restart {row['restart_seconds']} s, caught up "
        f"{row['all_caught_up_seconds_after_answering']} s after, gaps {missing}, duplicates {arrivals.duplicates}"
    )
    return row


_storm_sources: dict[int, str] = {}


def _source(tap: Tap) -> str:
    """Reconnects come from fresh source addresses: the old ports sit in TIME_WAIT."""
    bucket = tap.index // 20_000
    if bucket not in _storm_sources:
        _storm_sources[bucket] = next_source_host()
    return _storm_sources[bucket]


async def tabs_beside_streams(server: Server, recording: TabRecording, cookie: str, count: int) -> dict[str, Any]:
    """F: `count` hydrated tabs (Reflex websockets), then `count` streams beside them."""
    before = group_rss_kib(server.pgid)
    started = time.perf_counter()
    tabs, failed = await open_tabs(recording, HOST, server.port, cookie, count, next_source_host())
    tabs_seconds = time.perf_counter() - started
    await asyncio.sleep(2)
    with_tabs = group_rss_kib(server.pgid)
    build = request_bytes(server.stream_path, f"{HOST}:{server.port}", cookie)
    taps, _ = await open_taps(HOST, server.port, [build] * count, Arrivals())
    try:
        await asyncio.sleep(2)
        with_both = group_rss_kib(server.pgid)
        row = {
            "tabs": count,
            "streams": count,
            "tabs_failed": failed,
            "tabs_opened_per_s": round(count / tabs_seconds),
            "rss_per_tab_kib": round((with_tabs - before) / count, 1),
            "rss_per_stream_kib": round((with_both - with_tabs) / count, 1),
            "rss_mib": round(with_both / 1024, 1),
            "health": await _latencies(server, server.health_path, 50),
            "page": await _latencies(server, "/", 20),
            "tabs_open": sum(t.transport is not None for t in tabs),
            "streams_open": sum(t.transport is not None for t in taps),
        }
    finally:
        close_taps(taps)
        for tab in tabs:
            tab.close()
        await asyncio.sleep(3)
    tab_kib, stream_kib = row["rss_per_tab_kib"], row["rss_per_stream_kib"]
    log(f"  F. {count} tabs + {count} streams: {tab_kib} KiB/tab, {stream_kib} KiB/stream, failed {failed}")
    return row


def redis_workers(workdir: Path, total: int, sends: int) -> dict[str, Any]:
    """E: Redis and Reflex's worker processes (2 x cores + 1); `total` streams of one user
    held by two client processes; `sends` notifications, 2 s apart."""
    redis = RedisServer(free_port()).start()
    env = {**APP_ENV, "REFLEX_REDIS_URL": redis.url, "NC_MAX_CONNECTIONS_PER_USER": str(total + 100)}
    app = AppServer(workdir / "scale-redis", env)
    procs: list[subprocess.Popen] = []
    try:
        app.start()
        pgid = app.proc.pid if app.proc else 0
        view = Server(
            "app-redis", app.port, pgid, "/api/notifications/stream", "/api/notifications", "/api/health", None
        )
        cookie, op_cookie = _user_and_operator(app)
        seqs = [7_000_000 + i for i in range(sends)]
        outs = [workdir / f"e-client-{i}.json" for i in range(2)]
        before = group_rss_kib(pgid)
        started = time.perf_counter()
        for out in outs:
            command = [
                sys.executable,
                "-m",
                "bench.hold_client",
                str(app.port),
                str(total // 2),
                cookie,
                ",".join(map(str, seqs)),
                str(out),
            ]
            procs.append(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True))
        for proc in procs:
            assert proc.stdout is not None
            if not proc.stdout.readline().startswith("ready"):
                raise RuntimeError("a client process could not open its streams")
        opened = time.perf_counter() - started
        time.sleep(2)
        rss = group_rss_kib(pgid)
        health = asyncio.run(_latencies(view, "/api/health", 50))
        sent_at = asyncio.run(_send_spaced(view, op_cookie, seqs))
        for proc in procs:
            proc.wait(180)
        results = [json.loads(out.read_text()) for out in outs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        app.stop()
        redis.stop()
    per_delivery = [(t - sent_at[seq]) * 1000 for r in results for seq in seqs for t in r["arrivals"][str(seq)]]
    received = sum(len(r["arrivals"][str(seq)]) for r in results for seq in seqs)
    row = {
        "streams": total,
        "workers": "2 x cores + 1 (Reflex with Redis)",
        "opened_per_s": round(total / opened),
        "rss_per_stream_kib": round((rss - before) / total, 1),
        "health": health,
        "still_open": sum(r["still_open"] for r in results),
        "delivery_p50_ms": round(percentile(per_delivery, 50), 1),
        "delivery_p99_ms": round(percentile(per_delivery, 99), 1),
        "delivery_max_ms": round(max(per_delivery), 1) if per_delivery else None,
        "lost": total * sends - received,
        "duplicates": sum(r["duplicates"] for r in results),
    }
    log(
        f"  E. {total} streams over Redis workers: {row['opened_per_s']}/s, {row['rss_per_stream_kib']} KiB/stream, "
        f"health p99 {health['p99_ms']} ms, delivery p99 {row['delivery_p99_ms']} ms, lost {row['lost']}"
    )
    return row


async def _send_spaced(server: Server, cookie: str, seqs: list[int]) -> dict[int, float]:
    conn = server.connection(cookie)
    sent_at = {}
    try:
        for seq in seqs:
            sent_at[seq] = time.perf_counter()
            response = await conn.request("POST", "/api/notifications", _send_body(["scale-user"])(seq))
            if response.status != 201:
                raise RuntimeError(f"send: HTTP {response.status} {response.body[:200]!r}")
            await asyncio.sleep(2)
    finally:
        await conn.close()
    return sent_at


def _app_server(workdir: Path) -> tuple[AppServer, Server]:
    app = AppServer(workdir / "scale-app", dict(APP_ENV)).start()
    pgid = app.proc.pid if app.proc else 0
    return app, Server(
        "app", app.port, pgid, "/api/notifications/stream", "/api/notifications", "/api/health", "/login"
    )


def _baseline_server(workdir: Path) -> tuple[BaselineServer, Server]:
    baseline = BaselineServer(
        workdir / "scale-baseline", 30.0, granian_args=("--http", "1", "--backlog", "4096", "--backpressure", "19000")
    ).start()
    pgid = baseline.proc.pid if baseline.proc else 0
    return baseline, Server("baseline", baseline.port, pgid, "/stream", "/send", "/health", None)


def run(profile: ScaleProfile, workdir: Path) -> dict[str, Any]:
    """Every scenario; raises nothing for slowness, reports losses in the result."""
    os.environ.setdefault("NC_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")
    results: dict[str, Any] = {"profile": profile.name}
    app, app_view = _app_server(workdir)
    baseline, base_view = _baseline_server(workdir)
    try:
        user_cookie, op_cookie = _user_and_operator(app)

        log("A. idle streams held")
        results["idle"] = {
            "app": asyncio.run(idle_streams(app_view, profile.idle_steps, user_cookie)),
            "baseline": asyncio.run(idle_streams(base_view, profile.baseline_idle_steps, None)),
        }
        log("B. one notification to N streams")
        results["fanout"] = []
        for n in profile.fanout_sizes:
            a = asyncio.run(
                fanout(app_view, n, profile.fanout_sends, user_cookie, op_cookie, _send_body(["scale-user"]))
            )
            b = asyncio.run(fanout(base_view, n, profile.fanout_sends, None, None, _send_body(["scale-user"])))
            row = {
                "n": n,
                "app": a,
                "baseline": b,
                "ratio": {
                    "delivery_p99": ratio(a["delivery_p99_ms"], b["delivery_p99_ms"]),
                    "cpu_per_delivery": ratio(a["cpu_us_per_delivery"], b["cpu_us_per_delivery"]),
                },
            }
            results["fanout"].append(row)
            log(
                f"  N={n}: app p99 {a['delivery_p99_ms']} ms max {a['delivery_max_ms']} ms, "
                f"{a['cpu_us_per_delivery']} µs CPU/delivery; baseline p99 {b['delivery_p99_ms']} ms, "
                f"{b['cpu_us_per_delivery']} µs → {row['ratio']}"
            )
        if profile.tab_counts:
            log("F. browser tabs (Reflex websockets with hydrated state) beside streams")
            recording = record_tab(f"http://{HOST}:{app.port}", user_cookie)
            results["tabs"] = [
                asyncio.run(tabs_beside_streams(app_view, recording, user_cookie, n)) for n in profile.tab_counts
            ]
        log(f"C/D. send to all and reconnect storm, {profile.all_users} users")
        results["all_users"] = asyncio.run(
            send_to_all_and_storm(app, app_view, profile.all_users, profile.all_sends, storm=True)
        )
        results["app_answering_at_end"] = app.ready()
    finally:
        app.stop()
        baseline.stop()
    if profile.redis_streams:
        log(f"E. Redis and several workers, {profile.redis_streams} streams")
        results["redis"] = redis_workers(workdir, profile.redis_streams, profile.fanout_sends // 2)
        b10k = next((r for r in results["fanout"] if r["n"] == max(profile.fanout_sizes)), None)
        if b10k:
            results["redis"]["p99_vs_single_worker"] = ratio(
                results["redis"]["delivery_p99_ms"], b10k["app"]["delivery_p99_ms"]
            )
    return results


def _user_and_operator(app: AppServer) -> tuple[str, str]:
    """Cookies of `scale-user` (the streams' owner) and `scale-op` (the sender), made with the CLI."""
    password = "bench-password-123"
    app.create_user("scale-user", password)
    app.create_user("scale-op", password, role="operator")
    return session_cookie(app, "scale-user", password), session_cookie(app, "scale-op", password)


def failures(results: dict[str, Any]) -> list[str]:
    """What makes a smoke run fail: lost streams or notifications, or a silent app."""
    found = []
    for side in ("app", "baseline"):
        for row in results["idle"][side]:
            if row["still_open"] != row["streams"]:
                found.append(f"A {side}: {row['streams'] - row['still_open']} streams lost")
            if row["health"]["failures"]:
                found.append(f"A {side}: health failed {row['health']['failures']} times with {row['streams']} streams")
    for row in results["fanout"]:
        if row["app"]["lost"] or row["app"]["duplicates"]:
            found.append(f"B N={row['n']}: lost {row['app']['lost']}, duplicates {row['app']['duplicates']}")
    all_users = results["all_users"]
    if all_users["send_to_all"]["lost"]:
        found.append(f"C: {all_users['send_to_all']['lost']} deliveries lost")
    storm = all_users.get("storm", {})
    if storm and (storm["gaps"] or storm["duplicates"] or not storm["complete"]):
        found.append(f"D: gaps {storm['gaps']}, duplicates {storm['duplicates']}")
    if not results.get("app_answering_at_end"):
        found.append("the app stopped answering")
    for row in results.get("tabs", []):
        if row["tabs_failed"] or row["tabs_open"] != row["tabs"] or row["streams_open"] != row["streams"]:
            found.append(
                f"F: {row['tabs_failed']} tabs failed to hydrate, {row['tabs_open']}/{row['tabs']} tabs and "
                f"{row['streams_open']}/{row['streams']} streams open"
            )
        if row["page"]["failures"] or row["health"]["failures"]:
            found.append(f"F: the app stopped answering with {row['tabs']} tabs")
    redis = results.get("redis")
    if redis and (redis["lost"] or redis["still_open"] != redis["streams"] or redis["health"]["failures"]):
        found.append(f"E: lost {redis['lost']}, open {redis['still_open']}/{redis['streams']}")
    return found
