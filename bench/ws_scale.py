"""Scenario W (issue 18): idle WebSocket streams beside idle SSE streams, app and baseline.

`python -m bench.ws_scale [--streams 10000] [--sends 5]` (not part of `make bench`: minutes):

1. the server starts; N SSE streams of one user are opened (a client process of their own,
   bench/hold_client.py: 20,000 sockets would not fit one process's open-files limit), then
   N WebSocket streams of another user beside them (a second client process). RSS is read
   before, between and after: memory per SSE and per WebSocket connection;
2. with all 2N held, K notifications go to the SSE user, 2 s apart, then K to the WebSocket
   user: arrival p50/p99 per transport (send to arrival, the system-wide monotonic clock)
   and server CPU seconds per delivery over each transport's sends;
3. the same on bench/baseline_server.py (bare SSE and bare WebSocket fan-out on the same
   stack, no sign-in, no database), the app's yardstick from the same run.

Results: bench/results/ws-latest.json and .md (the table). Losses are reported, not raised.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.cpu import group_cpu_seconds
from bench.lean_http import marker
from bench.scale import APP_ENV, _baseline_server, group_rss_kib
from bench.stats import percentile, ratio
from bench.targets import session_cookie
from tests.support.processes import ROOT, AppServer

RESULTS = Path(__file__).resolve().parent / "results"
SEQ_BASE = {"sse": 8_000_000, "ws": 9_000_000}


def log(message: str) -> None:
    print(message, flush=True)


class Side:
    """One server under test: where its streams are and how to send to one transport."""

    def __init__(self, name: str, port: int, pgid: int, paths: dict[str, str], cookies: dict[str, str | None]):
        self.name, self.port, self.pgid, self.paths, self.cookies = name, port, pgid, paths, cookies

    def send(self, transport: str, seq: int) -> None:
        raise NotImplementedError


class AppSide(Side):
    def __init__(self, app: AppServer, cookies: dict[str, str | None], operator: str) -> None:
        paths = {"sse": "/api/notifications/stream", "ws": "/api/notifications/ws"}
        super().__init__("app", app.port, app.proc.pid if app.proc else 0, paths, cookies)
        self.http = httpx.Client(base_url=app.url, headers={"cookie": operator}, timeout=30)

    def send(self, transport: str, seq: int) -> None:
        user = {"sse": "ws-bench-sse", "ws": "ws-bench-ws"}[transport]
        r = self.http.post("/api/notifications", json={"title": marker(seq), "recipients": [user]})
        r.raise_for_status()


class BaselineSide(Side):
    def __init__(self, port: int, pgid: int) -> None:
        super().__init__("baseline", port, pgid, {"sse": "/stream", "ws": "/ws"}, {"sse": None, "ws": None})
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def send(self, transport: str, seq: int) -> None:
        self.http.post("/send", params={"channel": transport}, json={"title": marker(seq)}).raise_for_status()


def _holder(side: Side, transport: str, n: int, seqs: list[int], out: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "bench.hold_client",
        str(side.port),
        str(n),
        side.cookies[transport] or "-",
        ",".join(map(str, seqs)),
        str(out),
        side.paths[transport],
        "1200",  # the other transport's streams open (minutes) before this one's sends
    ]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("ready"):
        proc.kill()
        raise RuntimeError(f"{side.name}: the {transport} client could not open its streams ({line!r})")
    return proc


def measure(side: Side, n: int, sends: int, workdir: Path) -> dict[str, Any]:
    seqs = {t: [SEQ_BASE[t] + i for i in range(sends)] for t in ("sse", "ws")}
    outs = {t: workdir / f"w-{side.name}-{t}.json" for t in ("sse", "ws")}
    procs: dict[str, subprocess.Popen] = {}
    row: dict[str, Any] = {"server": side.name, "streams_per_transport": n}
    try:
        rss0 = group_rss_kib(side.pgid)
        for transport in ("sse", "ws"):
            started = time.perf_counter()
            procs[transport] = _holder(side, transport, n, seqs[transport], outs[transport])
            opened = time.perf_counter() - started
            time.sleep(2)
            rss = group_rss_kib(side.pgid)
            row[f"{transport}_rss_per_stream_kib"] = round((rss - rss0) / n, 1)
            row[f"{transport}_opened_per_s"] = round(n / opened)
            rss0 = rss
            log(f"  {side.name:8} +{n} {transport}: {row[f'{transport}_rss_per_stream_kib']} KiB/stream")
        row["rss_mib"] = round(group_rss_kib(side.pgid) / 1024, 1)
        for transport in ("sse", "ws"):
            sent_at = {}
            cpu0 = group_cpu_seconds(side.pgid)
            for seq in seqs[transport]:
                sent_at[seq] = time.perf_counter()
                side.send(transport, seq)
                time.sleep(2)
            procs[transport].wait(1300)
            cpu = group_cpu_seconds(side.pgid) - cpu0
            result = json.loads(outs[transport].read_text())
            times = [(t - sent_at[s]) * 1000 for s in seqs[transport] for t in result["arrivals"][str(s)]]
            row[f"{transport}_delivery_p50_ms"] = round(percentile(times, 50), 1)
            row[f"{transport}_delivery_p99_ms"] = round(percentile(times, 99), 1)
            row[f"{transport}_cpu_us_per_delivery"] = round(cpu / max(len(times), 1) * 1e6, 1)
            row[f"{transport}_lost"] = n * sends - len(times)
            row[f"{transport}_duplicates"] = result["duplicates"]
            log(
                f"  {side.name:8} {transport}: p50 {row[f'{transport}_delivery_p50_ms']} ms, "
                f"p99 {row[f'{transport}_delivery_p99_ms']} ms, {row[f'{transport}_cpu_us_per_delivery']} µs CPU "
                f"per delivery, lost {row[f'{transport}_lost']}"
            )
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
        time.sleep(2)
    return row


def _app(workdir: Path, n: int) -> tuple[AppServer, AppSide]:
    env = {**APP_ENV, "NC_MAX_CONNECTIONS_PER_USER": str(n + 100)}
    app = AppServer(workdir / "ws-app", env).start()
    password = "bench-password-123"
    for name in ("ws-bench-sse", "ws-bench-ws"):
        app.create_user(name, password)
    app.create_user("ws-bench-op", password, role="operator")
    cookies = {t: session_cookie(app, f"ws-bench-{t}", password) for t in ("sse", "ws")}
    return app, AppSide(app, cookies, session_cookie(app, "ws-bench-op", password))


FIELDS = [
    ("rss per stream (KiB)", "rss_per_stream_kib"),
    ("opened per second", "opened_per_s"),
    ("fan-out p50 (ms)", "delivery_p50_ms"),
    ("fan-out p99 (ms)", "delivery_p99_ms"),
    ("CPU per delivery (µs)", "cpu_us_per_delivery"),
    ("lost / duplicates", None),
]


def table(app: dict[str, Any], base: dict[str, Any]) -> str:
    lines = [
        f"{app['streams_per_transport']:,} idle SSE streams beside {app['streams_per_transport']:,} idle WebSocket "
        "streams, one worker (bench/ws_scale.py)",
        "",
        "| measure | app SSE | app WebSocket | baseline SSE | baseline WebSocket "
        "| app/baseline SSE | app/baseline WS |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, key in FIELDS:
        if key is None:
            cells = [f"{row[f'{t}_lost']} / {row[f'{t}_duplicates']}" for row in (app, base) for t in ("sse", "ws")]
            lines.append(f"| {label} | " + " | ".join(cells) + " | | |")
            continue
        cells = [str(row[f"{t}_{key}"]) for row in (app, base) for t in ("sse", "ws")]
        ratios = [f"{ratio(app[f'{t}_{key}'], base[f'{t}_{key}']):.2f}x" for t in ("sse", "ws")]
        lines.append(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=10_000, help="streams per transport")
    parser.add_argument("--sends", type=int, default=5, help="notifications per transport")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.environ.setdefault("NC_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")
    workdir = RESULTS / "tmp" / "ws"  # a stable folder: the app reuses its frontend build
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"W. {args.streams} idle WebSocket streams beside {args.streams} SSE streams")
    app, app_side = _app(workdir, args.streams)
    try:
        app_row = measure(app_side, args.streams, args.sends, workdir)
    finally:
        app.stop()
    baseline, view = _baseline_server(workdir)
    try:
        base_row = measure(BaselineSide(view.port, view.pgid), args.streams, args.sends, workdir)
    finally:
        baseline.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ws-latest.json").write_text(json.dumps({"app": app_row, "baseline": base_row}, indent=2))
    text = table(app_row, base_row)
    (RESULTS / "ws-latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
