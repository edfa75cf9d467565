"""`python -m bench.hold_client PORT N COOKIE SEQS OUT.json [PATH [WAIT]]`: one of several client processes.

Scenario E holds 20,000 streams, more than one process may open (20,000 files here), so
each client process holds its share: it opens N streams, prints `ready`, waits until every
stream has every marker in SEQS (comma-separated) or 120 s pass, then writes the arrival
times (`time.perf_counter()`, the system-wide monotonic clock, so the parent can compare
them with its send times) and how many streams were still open. PATH (default the SSE
stream) may name a WebSocket route (one ending in `/ws`), opened as upgrades; WAIT (seconds,
default 120) replaces the 120 s, for a parent that opens more streams before it sends.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from pathlib import Path

from bench.taps import Arrivals, close_taps, open_taps, request_bytes, ws_request_bytes


async def hold(
    port: int, count: int, cookie: str, seqs: list[int], path: str = "/api/notifications/stream", wait: float = 120
) -> dict:
    arrivals = Arrivals()
    builder = ws_request_bytes if path.split("?")[0].endswith("/ws") else request_bytes
    build = builder(path, f"127.0.0.1:{port}", cookie if cookie != "-" else None)
    taps, seconds = await open_taps("127.0.0.1", port, [build] * count, arrivals)
    print("ready", round(seconds, 2), flush=True)
    try:
        await asyncio.gather(*(arrivals.wait_all(seq, count, wait) for seq in seqs))
        return {
            "opened_seconds": seconds,
            "still_open": sum(t.transport is not None for t in taps),
            "arrivals": {str(seq): list(arrivals.times.get(seq, {}).values()) for seq in seqs},
            "duplicates": arrivals.duplicates,
        }
    finally:
        close_taps(taps)


def main() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    port, count, cookie, seqs, out = sys.argv[1:6]
    path = sys.argv[6] if len(sys.argv) > 6 else "/api/notifications/stream"
    wait = float(sys.argv[7]) if len(sys.argv) > 7 else 120
    result = asyncio.run(hold(int(port), int(count), cookie, [int(s) for s in seqs.split(",")], path, wait))
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
