"""`python -m bench.scheduler_delay`: the scheduler's delay, due time -> event on the stream.

The app's API with its per-worker lifespan (BenchApiServer, SQLite, one worker) at the
default `NC_SCHEDULER_INTERVAL_SECONDS` (1 s) and at 0.2 s. One user holds one stream;
an operator schedules sends whose `sendAt` times are spread over several ticks (so they
fall anywhere within a polling interval), then a burst all due at one instant, then
snoozes of notifications spread the same way. Each arrival (the notification; for a snooze
its returning `updated` event) is timed against its due time. The figure to expect is about half the interval on
average and at most the interval, plus the send itself. Writes bench/results/scheduler.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.report import machine_info
from bench.servers import BenchApiServer
from bench.stats import summarize
from tests.support.sse import StreamReader

RESULTS = Path(__file__).resolve().parent / "results"
LEAD_SECONDS = 2.0


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def _measure(server: BenchApiServer, spread: int, burst: int) -> dict[str, Any]:
    password = secrets.token_urlsafe(16)
    user, operator = f"su{secrets.token_hex(3)}", f"so{secrets.token_hex(3)}"
    server.create_user(user, password)
    server.create_user(operator, password, role="operator")
    arrivals: dict[str, float] = {}
    due: dict[str, float] = {}
    async with (
        server.async_login(user, password) as tab,
        server.async_login(operator, password) as op,
    ):
        reader = await StreamReader(tab).start()
        try:
            # Every send is stored before the first is due, so storing never competes with firing.
            start = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS + 0.03 * (spread + burst))
            plan = [(f"spread-{i}", start + timedelta(seconds=i * 0.137)) for i in range(spread)]
            burst_at = start + timedelta(seconds=spread * 0.137 + 1.0)
            plan += [(f"burst-{i}", burst_at) for i in range(burst)]
            for title, when in plan:
                body = {"title": title, "recipients": [user], "sendAt": _iso(when)}
                r = await op.post("/api/notifications", json=body)
                if r.status_code != 202:
                    raise RuntimeError(f"scheduling failed: {r.status_code} {r.text[:200]}")
                due[title] = when.timestamp()
            seen = 0
            deadline = time.monotonic() + (burst_at - datetime.now(UTC)).total_seconds() + 30
            while len(arrivals) < len(plan) and time.monotonic() < deadline:
                for event in reader.of_type("notification")[seen:]:
                    arrivals.setdefault(event.data["title"], time.time())
                seen = len(reader.of_type("notification"))
                await asyncio.sleep(0.002)
            duplicates = len(reader.of_type("notification")) - len(set(reader.notification_ids()))
            snooze_ms, snooze_duplicates = await _snoozes(tab, reader, plan[:spread])
        finally:
            await reader.close()
    spread_ms = [(arrivals[t] - due[t]) * 1000 for t in due if t.startswith("spread") and t in arrivals]
    burst_ms = [(arrivals[t] - due[t]) * 1000 for t in due if t.startswith("burst") and t in arrivals]
    return {
        "spread": summarize(spread_ms),
        "burst": summarize(burst_ms),
        "lost": len(plan) - len(arrivals),
        "duplicates": duplicates,
        "snooze": summarize(snooze_ms),
        "snooze_duplicates": snooze_duplicates,
    }


async def _snoozes(tab: httpx.AsyncClient, reader: StreamReader, plan: list) -> tuple[list[float], int]:
    """Snooze the spread notifications until times spread like theirs; time each return."""
    ids = {e.data["title"]: e.data["id"] for e in reader.of_type("notification")}
    start = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS + 0.03 * len(plan))
    due: dict[str, float] = {}
    for i, (title, _) in enumerate(plan):
        until = start + timedelta(seconds=i * 0.137)
        r = await tab.post(f"/api/notifications/{ids[title]}/snooze", json={"until": _iso(until)})
        if r.status_code != 200:
            raise RuntimeError(f"snoozing failed: {r.status_code} {r.text[:200]}")
        due[ids[title]] = until.timestamp()
    arrivals: dict[str, float] = {}
    returns = 0
    seen = 0
    deadline = time.monotonic() + (start - datetime.now(UTC)).total_seconds() + len(plan) * 0.137 + 30
    while len(arrivals) < len(due) and time.monotonic() < deadline:
        for event in reader.of_type("updated")[seen:]:
            notification = event.data["notification"]
            if notification["snoozedUntil"] is None:
                returns += 1
                arrivals.setdefault(notification["id"], time.time())
        seen = len(reader.of_type("updated"))
        await asyncio.sleep(0.002)
    return [(arrivals[i] - due[i]) * 1000 for i in arrivals], returns - len(arrivals)


def run(intervals: tuple[float, ...], spread: int, burst: int, workdir: Path) -> dict[str, Any]:
    rows = []
    for interval in intervals:
        env = {"NC_SCHEDULER_INTERVAL_SECONDS": str(interval), "NC_LOGIN_IP_RATE_LIMIT": "1000/minute"}
        server = BenchApiServer(workdir / f"sched-{interval}", env)
        try:
            server.start()
            result = asyncio.run(_measure(server, spread, burst))
        finally:
            server.stop()
        rows.append({"interval_s": interval, **result})
        print(
            f"interval {interval} s: spread p50 {result['spread']['p50_ms']:.0f} ms, "
            f"p95 {result['spread']['p95_ms']:.0f} ms, max {result['spread']['max_ms']:.0f} ms; "
            f"burst of {burst}: max {result['burst']['max_ms']:.0f} ms; "
            f"snooze p50 {result['snooze']['p50_ms']:.0f} ms, max {result['snooze']['max_ms']:.0f} ms; "
            f"lost {result['lost']}, "
            f"duplicates {result['duplicates']}",
            flush=True,
        )
    return {"spread_sends": spread, "burst_sends": burst, "rows": rows, "machine": machine_info()}


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Scheduler delay: due time -> event on the stream",
        "",
        f"SQLite, one worker; {results['spread_sends']} sends spread over the ticks, then "
        f"{results['burst_sends']} due at one instant, then {results['spread_sends']} snoozes spread alike. "
        "Milliseconds from the due time (`sendAt`, the snooze's `until`) to the event on the stream.",
        "",
        "| interval | sends p50 | sends p95 | sends max | burst p50 | burst max | snooze p50 | snooze p95 | snooze max"
        " | lost | duplicates |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in results["rows"]:
        s, b, z = row["spread"], row["burst"], row["snooze"]
        lines.append(
            f"| {row['interval_s']} s | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} | {s['max_ms']:.0f} | "
            f"{b['p50_ms']:.0f} | {b['max_ms']:.0f} | {z['p50_ms']:.0f} | {z['p95_ms']:.0f} | {z['max_ms']:.0f} | "
            f"{row['lost']} | {row['duplicates'] + row['snooze_duplicates']} |"
        )
    machine = results["machine"]
    load = machine.get("load_avg_at_start")
    lines += ["", f"Machine: {machine.get('cpu_count')} CPUs, load at start {load}, {machine.get('date')}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler_delay", description=__doc__.splitlines()[0])
    parser.add_argument("--spread", type=int, default=40, help="sends spread over the ticks")
    parser.add_argument("--burst", type=int, default=200, help="sends due at one instant")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    workdir = RESULTS / "tmp" / "scheduler"
    shutil.rmtree(workdir, ignore_errors=True)
    results = run((1.0, 0.2), args.spread, args.burst, workdir)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scheduler.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "scheduler.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
