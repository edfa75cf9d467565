#!/usr/bin/env bash
# Run the checks: ruff (lint + format check), then pytest with any arguments passed on.
#   scripts/test.sh                      everything (what CI runs)
#   scripts/test.sh -m "not e2e" -x ...  pytest arguments are passed through
#   scripts/test.sh --lint-only          ruff only (no test-only system packages needed)
# Tests live in tests/unit (fast), tests/integration and tests/e2e (browser); long
# tests are marked `slow`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --lint-only ]; then
  scripts/bootstrap.sh
else
  scripts/bootstrap.sh --test # + Chromium, redis-server, PostgreSQL
fi
# shellcheck source=/dev/null
. .venv/nc-env.sh # also exports NC_CHROMIUM=/usr/bin/chromium when it is there

ruff check .
ruff format --check .
[ "${1:-}" = --lint-only ] && exit 0
exec python -m pytest "$@"
