"""Memory profiling hook for a running app worker (bench only, never on in production).

Start the app with `PYTHONPATH=bench/profiling` and `PYTHONTRACEMALLOC=1`; then
`kill -USR2 <worker pid>` writes a tracemalloc snapshot to $NC_TRACEMALLOC_DIR (default
/tmp) as `snapshot-<pid>-<n>.pickle`. Used for scenario F: where a tab's memory goes.
"""

import itertools
import os
import signal
import tracemalloc

_count = itertools.count()


def _dump(_signum, _frame) -> None:
    if tracemalloc.is_tracing():
        folder = os.environ.get("NC_TRACEMALLOC_DIR", "/tmp")
        tracemalloc.take_snapshot().dump(os.path.join(folder, f"snapshot-{os.getpid()}-{next(_count)}.pickle"))


signal.signal(signal.SIGUSR2, _dump)
