"""The scale scenarios' results as a Markdown page (bench/results/scale.md)."""

from __future__ import annotations

from typing import Any


def markdown(results: dict[str, Any]) -> str:
    lines = [f"# Scale scenarios ({results['profile']}), {results.get('elapsed_seconds', '?')} s", ""]
    machine = results.get("machine", {})
    if machine:
        lines += [
            f"Machine: {machine.get('cpu_count')} cores, {machine.get('cpu_model', '')}; "
            f"commit {machine.get('commit', '?')}",
            "",
        ]
    lines += [
        "## A. Idle streams held (one worker)",
        "",
        "| server | streams | opened/s | RSS MiB | KiB/stream | health p50 / p99 / max ms | page p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for side in ("app", "baseline"):
        for row in results["idle"][side]:
            h = row["health"]
            page = row.get("page", {}).get("p99_ms", "")
            lines.append(
                f"| {side} | {row['streams']} | {row['opened_per_s']} | {row['rss_mib']} | "
                f"{row['rss_per_stream_kib']} | {h['p50_ms']} / {h['p99_ms']} / {h['max_ms']} | {page} |"
            )
    lines += [
        "",
        "## B. One notification to N streams of one user",
        "",
        "| N | server | p50 ms | p99 ms | max ms | CPU µs/delivery | lost |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results["fanout"]:
        for side in ("app", "baseline"):
            r = row[side]
            lines.append(
                f"| {row['n']} | {side} | {r['delivery_p50_ms']} | {r['delivery_p99_ms']} | "
                f"{r['delivery_max_ms']} | {r['cpu_us_per_delivery']} | {r['lost']} |"
            )
        lines.append(
            f"| {row['n']} | **app / baseline** | | **{row['ratio']['delivery_p99']}** | | "
            f"**{row['ratio']['cpu_per_delivery']}** | |"
        )
    if results.get("tabs"):
        lines += [
            "",
            "## F. Browser tabs (Reflex event websocket, hydrated) beside streams, one worker",
            "",
            "| tabs + streams | KiB/tab | KiB/stream | RSS MiB | tabs/s | page p50 / p99 ms | health p99 ms | failed |",
            "| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        ]
        for row in results["tabs"]:
            lines.append(
                f"| {row['tabs']} + {row['streams']} | {row['rss_per_tab_kib']} | {row['rss_per_stream_kib']} | "
                f"{row['rss_mib']} | {row['tabs_opened_per_s']} | {row['page']['p50_ms']} / "
                f"{row['page']['p99_ms']} | {row['health']['p99_ms']} | {row['tabs_failed']} |"
            )
    c = results["all_users"]
    sent = c["send_to_all"]
    lines += [
        "",
        f"## C. Send to all, {c['users']} users each holding a stream",
        "",
        f"Streams opened in {c['open_seconds']} s. POST took {sent['post_ms']} ms; the last stream had it "
        f"{sent['last_stream_after_post_start_ms']} ms after the POST started; lost {sent['lost']}.",
    ]
    storm = c.get("storm")
    if storm:
        lines += [
            "",
            f"## D. Reconnect storm, {storm['streams']} streams",
            "",
            f"The old server stopped {storm.get('stop_seconds', '?')} s after SIGTERM; the new one answered "
            f"{storm['restart_seconds']} s after that; all streams caught up "
            f"{storm['all_caught_up_seconds_after_answering']} s after it answered; gaps {storm['gaps']}, "
            f"duplicates {storm['duplicates']}.",
        ]
    redis = results.get("redis")
    if redis:
        h = redis["health"]
        lines += [
            "",
            f"## E. Redis, {redis['workers']}, {redis['streams']} streams of one user (two client processes)",
            "",
            f"Opened {redis['opened_per_s']}/s; {redis['rss_per_stream_kib']} KiB of RSS per stream (all "
            f"workers); health p50/p99/max {h['p50_ms']}/{h['p99_ms']}/{h['max_ms']} ms while held; delivery "
            f"p50 {redis['delivery_p50_ms']} ms, p99 {redis['delivery_p99_ms']} ms, max {redis['delivery_max_ms']}"
            f" ms; p99 vs one worker at 10k (B): {redis.get('p99_vs_single_worker')}x; lost {redis['lost']}, "
            f"duplicates {redis['duplicates']}.",
        ]
    if results.get("failures"):
        lines += ["", "## Failures", "", *[f"- {f}" for f in results["failures"]]]
    return "\n".join(lines) + "\n"
