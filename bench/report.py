"""Turns raw results into ratios, a Markdown table and bench/results/latest.{json,md}.

Every row shows the absolute numbers of both sides next to their ratio: the absolute
values are only meaningful within this run, the ratio is what to compare across runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.stats import ratio
from tests.support.processes import ROOT

# (label in the table, section of a fan-out result, statistic)
LATENCY_ROWS = (
    ("delivery p50", "delivery", "p50_ms"),
    ("delivery p95", "delivery", "p95_ms"),
    ("delivery max", "delivery", "max_ms"),
    ("all N received p50", "all_received", "p50_ms"),
    ("POST round trip p50", "post", "p50_ms"),
    ("server CPU per send", "server_cpu", "ms_per_send"),
)


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on, for comparing runs fairly."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("granian", "starlette", "sse-starlette", "h11", "redis", "SQLAlchemy", "reflex"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "notification_center"], cwd=ROOT, capture_output=True)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "git_commit": commit.stdout.strip() or None,
        "app_code_uncommitted_changes": bool(dirty.stdout.strip()),
        "packages": versions,
    }


def latency_ratios(num: dict[str, Any], den: dict[str, Any]) -> dict[str, float]:
    return {f"{section}_{stat}": ratio(num[section][stat], den[section][stat]) for _, section, stat in LATENCY_ROWS}


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"  # NaN != NaN


def _latency_table(rows: list[dict[str, Any]], num: str, den: str, heads: tuple[str, str]) -> list[str]:
    lines = [
        f"| N | statistic | {heads[0]} ms | {heads[1]} ms | {heads[0]} / {heads[1]} |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        a, b = row["results"][num], row["results"][den]
        for label, section, stat in LATENCY_ROWS:
            r = _fmt(row["ratio"][f"{section}_{stat}"], 2)
            lines.append(f"| {row['n']} | {label} | {_fmt(a[section][stat])} | {_fmt(b[section][stat])} | {r}x |")
    lost = [
        f"N={row['n']} {name}: {res['lost_deliveries']}"
        for row in rows
        for name, res in row["results"].items()
        if res["lost_deliveries"]
    ]
    if lost:
        lines.append(f"\nLost deliveries (not received within the timeout): {', '.join(lost)}")
    return lines


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    p = results["profile"]
    out = [
        f"# Benchmark results ({results['mode']} mode)",
        "",
        f"{m['date']} · {m['cpus_usable']} CPUs ({m['cpu_model'] or 'unknown model'}) · Python {m['python']} · "
        f"load average at start {m['load_avg_at_start'][0]} · ping {results['settings']['ping_seconds']:g} s · "
        f"commit {m['git_commit']}"
        f"{' + uncommitted app changes' if m['app_code_uncommitted_changes'] else ''} · "
        f"whole run {results['elapsed_seconds']:.0f} s",
        "",
        "Ratios > 1 in the latency tables mean the app is slower than the baseline.",
        "",
        "## A. Fan-out latency (app: SQLite + in-memory transport)",
        "",
        f"One user holds N streams; {p['fanout_sends']} notifications are sent one at a time "
        f"(after {p['warmup_sends']} warm-up sends); latency = from just before the POST until a stream "
        "has the notification. `delivery` = over every (send, stream) pair; `all N received` = until the "
        "last of the N streams has it.",
        "",
        *_latency_table(results["fanout"], "app", "baseline", ("app", "baseline")),
        "",
        "## B. Send throughput (sequential POSTs, K streams of the recipient connected)",
        "",
        "Sends/s ratio: over the totals, and the median over adjacent (app, baseline) slice pairs, which is "
        "less sensitive to the box getting faster or slower during the run. Higher is better.",
        "",
        "| K streams | app sends/s | baseline sends/s | app / baseline | paired median "
        "| server CPU ms/send: app | baseline | app / baseline |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results["throughput"]:
        a, b = row["results"]["app"], row["results"]["baseline"]
        ca, cb = a["server_cpu"]["ms_per_send"], b["server_cpu"]["ms_per_send"]
        out.append(
            f"| {row['k']} | {_fmt(a['per_s'])} | {_fmt(b['per_s'])} | {_fmt(row['ratio'], 2)}x "
            f"| {_fmt(row['ratio_paired_slices_median'], 2)}x "
            f"| {_fmt(ca, 2)} | {_fmt(cb, 2)} | {_fmt(ratio(ca, cb), 2)}x |"
        )
    lost = [
        f"K={row['k']} {name}: {res['lost_deliveries']}"
        for row in results["throughput"]
        for name, res in row["results"].items()
        if res["lost_deliveries"]
    ]
    if lost:
        out.append(f"\nLost deliveries (not received within the timeout): {', '.join(lost)}")
    out += ["", "## C. Redis transport vs in-memory (both: the app, SQLite, one worker)", ""]
    redis = results["redis"]
    if redis["status"] != "ok":
        out.append(f"Skipped: {redis['note']}")
    else:
        out += _latency_table(redis["fanout"], "app-redis", "app", ("Redis", "in-memory"))
    return "\n".join(out) + "\n"


def write(results: dict[str, Any], directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    text = markdown(results)
    (directory / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (directory / "latest.md").write_text(text)
    return text
