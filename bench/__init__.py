"""Benchmarks of the notification center, run with `python -m bench` (or `make bench`).

Speed is measured here, never in timed tests: every figure is reported as a ratio
against a minimal SSE server (bench/baseline_server.py) measured in the same run on the
same machine, because absolute milliseconds on a shared 2-core box mean little.
"""
