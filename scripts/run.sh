#!/usr/bin/env bash
# Run the app: install what's missing, apply migrations (and create the first admin on
# an empty database), build the production frontend and serve it together with the
# backend (websocket + /api routes) on one port: http://localhost:${PORT:-3000}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# shellcheck source=/dev/null
. .venv/nc-env.sh

# rxconfig.py reads PORT too, so the app and the CLI flags agree.
export PORT="${PORT:-3000}"
# Our launcher instead of `reflex run --env prod --single-port`: it applies migrations
# (and creates the first admin), then serves the same single-port production server, but
# reuses an unchanged frontend build and sizes granian's connection limits to the
# open-files limit (see notification_center/serve.py).
exec python -m notification_center.serve
