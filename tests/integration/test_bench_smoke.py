"""`python -m bench --smoke`: the scale scenarios at small sizes, over the real app.

It fails only on losses (a stream dropped, a notification missing or doubled after a
restart) or an app that stopped answering, never on timing: timing is the bench's job.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.processes import ROOT

pytestmark = pytest.mark.slow


def test_bench_smoke_loses_nothing(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = (tmp_path / "scale-smoke.md").read_text()
    assert "gaps 0, duplicates 0" in report
