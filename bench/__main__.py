"""`python -m bench [--quick] [--no-redis]`: start the servers, run the scenarios, report.

Order of a run: baseline and app servers start (fresh SQLite in bench/results/tmp/),
scenario A (fan-out latency) for each N, scenario B (send throughput) for each K, then
scenario C (Redis vs in-memory) if the Redis transport imports and a redis-server can
start; C is skipped with a note otherwise, never failing the run. Results go to
bench/results/latest.{json,md}; the table is printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from bench import report, scale, scale_report, scenarios
from bench.config import FULL, MAX_STREAMS_PER_USER, PING_SECONDS, QUICK, Profile
from bench.servers import BaselineServer, BenchApiServer, app_env
from bench.stats import ratio
from bench.targets import Target, app_target, baseline_target
from tests.support.processes import RedisServer, free_port

RESULTS = Path(__file__).resolve().parent / "results"


def log(message: str) -> None:
    print(message, flush=True)


def _raise_fd_limit(to_hard: bool = False) -> None:
    """Each stream is a socket in this process (and in the servers, which inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = hard if to_hard else 8192
    want = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


async def _fanout_rows(
    targets: list[Target], sizes: tuple[int, ...], sends: int, warmup: int, num: str, den: str
) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        results = await scenarios.fanout(targets, n, sends, warmup)
        ratios = report.latency_ratios(results[num], results[den])
        rows.append({"n": n, "sends": sends, "results": results, "ratio": ratios})
        log(
            f"  N={n:<4} delivery p50 {num} {results[num]['delivery']['p50_ms']:.1f} ms, "
            f"{den} {results[den]['delivery']['p50_ms']:.1f} ms → {ratios['delivery_p50_ms']:.2f}x"
        )
    return rows


async def _core(profile: Profile, app: Target, baseline: Target) -> dict[str, Any]:
    log(f"A. fan-out latency, N in {profile.fanout_sizes}")
    fanout = await _fanout_rows(
        [app, baseline], profile.fanout_sizes, profile.fanout_sends, profile.warmup_sends, "app", "baseline"
    )
    log(f"B. send throughput, K in {profile.throughput_streams}")
    throughput = []
    for k in profile.throughput_streams:
        results = await scenarios.throughput([app, baseline], k, profile.throughput_slices, profile.slice_seconds)
        r = ratio(results["app"]["per_s"], results["baseline"]["per_s"])
        paired = [
            ratio(a, b) for a, b in zip(results["app"]["slice_per_s"], results["baseline"]["slice_per_s"], strict=True)
        ]
        throughput.append({"k": k, "results": results, "ratio": r, "ratio_paired_slices_median": median(paired)})
        log(f"  K={k:<4} app {results['app']['per_s']:.0f}/s, baseline {results['baseline']['per_s']:.0f}/s → {r:.2f}x")
    return {"fanout": fanout, "throughput": throughput}


def _redis(profile: Profile, ping_seconds: float, workdir: Path, memory_app: Target) -> dict[str, Any]:
    """Scenario C, or a note saying why it was skipped. Never raises."""
    log(f"C. Redis vs in-memory fan-out, N in {profile.redis_sizes}")
    try:
        import notification_center.realtime.redis_transport  # noqa: F401 - written concurrently
    except Exception as exc:
        return {"status": "skipped", "note": f"the Redis transport does not import ({exc!r})"}
    if shutil.which("redis-server") is None and not Path("/usr/bin/redis-server").exists():
        note = "no redis-server on this machine (scripts/bootstrap.sh --test installs it)"
        return {"status": "skipped", "note": note}
    redis = RedisServer(free_port())
    server = BenchApiServer(workdir / "app-redis", app_env(ping_seconds))
    try:
        redis.start()
        server.env_overrides = app_env(ping_seconds, redis.url)
        server.start(timeout=25)
        target = app_target("app-redis", server)
        rows = asyncio.run(
            _fanout_rows(
                [memory_app, target], profile.redis_sizes, profile.redis_sends, profile.warmup_sends, "app-redis", "app"
            )
        )
        return {"status": "ok", "fanout": rows}
    except Exception as exc:
        return {"status": "skipped", "note": f"the Redis run failed: {type(exc).__name__}: {str(exc)[:500]}"}
    finally:
        server.stop()
        redis.stop()


def run(profile: Profile, ping_seconds: float, with_redis: bool) -> dict[str, Any]:
    _raise_fd_limit()
    workdir = RESULTS / "tmp"
    shutil.rmtree(workdir, ignore_errors=True)
    started = time.monotonic()
    machine = report.machine_info()
    with contextlib.ExitStack() as stack:
        log("starting the baseline and the app API (granian, 1 worker each)")
        baseline_server = BaselineServer(workdir / "baseline", ping_seconds)
        stack.callback(baseline_server.stop)
        baseline_server.start()
        app_server = BenchApiServer(workdir / "app", app_env(ping_seconds))
        stack.callback(app_server.stop)
        app_server.start()
        app = app_target("app", app_server)
        baseline = baseline_target(baseline_server)
        results = asyncio.run(_core(profile, app, baseline))
        spent = time.monotonic() - started
        if not with_redis:
            results["redis"] = {"status": "skipped", "note": "--no-redis"}
        elif spent > 0.7 * profile.budget_seconds:
            note = f"out of time: A and B took {spent:.0f} s of the {profile.budget_seconds:.0f} s budget"
            results["redis"] = {"status": "skipped", "note": note}
        else:
            results["redis"] = _redis(profile, ping_seconds, workdir, app)
    if results["redis"]["status"] != "ok":
        log(f"  C skipped: {results['redis']['note']}")
    machine["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return {
        "mode": profile.name,
        "machine": machine,
        "profile": dataclasses.asdict(profile),
        "settings": {"ping_seconds": ping_seconds, "max_streams_per_user": MAX_STREAMS_PER_USER},
        **results,
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }


def run_scale(smoke: bool, out: Path) -> int:
    """The scale scenarios (bench/scale.py); in smoke mode, exit 1 on any loss."""
    _raise_fd_limit(to_hard=True)
    profile = scale.SMOKE if smoke else scale.FULL
    workdir = RESULTS / "tmp"
    started = time.monotonic()
    results = scale.run(profile, workdir)
    results["elapsed_seconds"] = round(time.monotonic() - started, 1)
    results["machine"] = report.machine_info()
    problems = scale.failures(results)
    results["failures"] = problems
    name = "scale-smoke" if smoke else "scale"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"{name}.md").write_text(scale_report.markdown(results))
    log(scale_report.markdown(results))
    for problem in problems:
        log(f"FAILED: {problem}")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller run, under ~40 s")
    parser.add_argument("--no-redis", action="store_true", help="skip scenario C")
    parser.add_argument("--ping", type=float, default=PING_SECONDS, help="both servers' ping period, seconds")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json/latest.md go")
    parser.add_argument("--no-scale", action="store_true", help="skip the scale scenarios (bench/scale.py)")
    parser.add_argument("--scale-only", action="store_true", help="only the scale scenarios")
    parser.add_argument("--smoke", action="store_true", help="small scale run that fails on any loss (CI)")
    args = parser.parse_args(argv)
    if args.smoke or args.scale_only:
        return run_scale(args.smoke, args.out)
    results = run(QUICK if args.quick else FULL, args.ping, with_redis=not args.no_redis)
    text = report.write(results, args.out)
    log("\n" + text)
    log(f"written: {args.out / 'latest.json'}, {args.out / 'latest.md'} ({results['elapsed_seconds']:.0f} s)")
    if args.quick or args.no_scale:
        return 0
    return run_scale(False, args.out)


if __name__ == "__main__":
    sys.exit(main())
