"""CPU time used by a server's whole process group (granian's main process + worker).

Wall-clock latency on a shared 2-core box moves with whatever else runs; CPU seconds
spent per notification barely do, since waiting for a core costs no CPU time. So next
to the latency ratios the bench reports server CPU per send, a steadier ratio of the
work each server does. Resolution is one clock tick (usually 10 ms), which is why it is
only computed over whole steps of many sends.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes in process group `pgid` (Linux)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # Fields after the parenthesised command name: state ppid pgrp ... utime(14) stime(15).
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICK
