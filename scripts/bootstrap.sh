#!/usr/bin/env bash
# Install what the app (and, with --test, the test suite) needs, idempotently:
#   .venv with requirements.txt, a bun for Reflex's frontend build, and with --test
#   Chromium, redis-server, nginx and the PostgreSQL server binaries.
# Writes .venv/nc-env.sh (PATH, bun, browser/PostgreSQL locations); run.sh and test.sh
# source it so the app and the tests use the same tools. A warm run takes well under a second.
#
# Usage: scripts/bootstrap.sh [--test] [-- COMMAND ARGS...]   (COMMAND runs inside that env)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="${PYTHON:-python3}"
BUN_VERSION=1.4.4 # Reflex 0.10.1 pins bun 1.4.4 and refuses anything older.

with_test=
if [ "${1:-}" = --test ]; then with_test=1; shift; fi
if [ "${1:-}" = -- ]; then shift; elif [ $# -gt 0 ]; then
  echo "usage: $0 [--test] [-- COMMAND ARGS...]" >&2; exit 2
fi
case "${CI:-}" in "" | 0 | false | no) in_ci= ;; *) in_ci=1 ;; esac
log() { echo "bootstrap: $*" >&2; }

# apt_install PKG...: Debian/Ubuntu only; `apt-get update` once; sudo only when not root.
apt_updated=
apt_install() {
  command -v apt-get >/dev/null || { log "no apt-get here: install $* yourself"; return 1; }
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  if [ -z "$apt_updated" ]; then $sudo apt-get update -qq || return 1; apt_updated=1; fi
  log "apt-get install $*"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Python: .venv + requirements.txt. The stamp holds a checksum of requirements.txt
# and the Python version, so pip only runs when one of them changed.
if ! .venv/bin/python -c '' 2>/dev/null; then
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { log "$PY is $("$PY" -V 2>&1); Python 3.11+ is required (set PYTHON=...)"; exit 1; }
  rm -rf .venv
  log "creating .venv with $("$PY" -V 2>&1)"
  # Debian's python3 needs the python3-venv package for ensurepip.
  "$PY" -m venv .venv || { apt_install python3-venv && rm -rf .venv && "$PY" -m venv .venv; }
fi
stamp="$(cksum <requirements.txt) $(.venv/bin/python -V 2>&1)"
if [ "$(cat .venv/.nc-requirements 2>/dev/null)" != "$stamp" ]; then
  log "pip install -r requirements.txt"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$stamp" >.venv/.nc-requirements
fi

# --- bun for Reflex. Order: a bun already on PATH, Reflex's own download (kept in
# Reflex's data dir), one installed earlier into .tools, Reflex's download when the
# internet is reachable, else the npm registry's `bun` package (the only bun a machine
# that reaches just PyPI/npm/Debian can get; it ships the binary inside the package).
bun_ok() { [ -x "$1" ] && printf '%s\n' "$BUN_VERSION" "$("$1" --version 2>/dev/null || echo 0)" | sort -V -C; }
if [ "$(uname)" = Darwin ]; then reflex_dir="$HOME/Library/Application Support/reflex"
else reflex_dir="${XDG_DATA_HOME:-$HOME/.local/share}/reflex"; fi
reflex_bun="${REFLEX_DIR:-$reflex_dir}/bun/bin/bun"
tools_bun="$ROOT/.tools/node_modules/.bin/bun"
bun=
for candidate in "$(command -v bun || true)" "$reflex_bun" "$tools_bun"; do
  if [ -n "$candidate" ] && bun_ok "$candidate"; then bun="$candidate"; break; fi
done
if [ -z "$bun" ] && .venv/bin/python -c 'import urllib.request as u; u.urlopen("https://bun.sh", timeout=5)' 2>/dev/null; then
  log "downloading bun $BUN_VERSION with Reflex's installer"
  # From an empty folder, so Reflex doesn't import this app's rxconfig.py just for that.
  (cd "$(mktemp -d)" && "$ROOT/.venv/bin/python" -c \
    'from reflex.utils.js_runtimes import install_bun; install_bun()') || true
  bun_ok "$reflex_bun" && bun="$reflex_bun"
fi
if [ -z "$bun" ]; then
  command -v npm >/dev/null || { log "no bun and no npm: install Node.js/npm or bun $BUN_VERSION"; exit 1; }
  log "npm install --prefix .tools bun@$BUN_VERSION"
  npm install --prefix .tools --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" >/dev/null
  bun_ok "$tools_bun" || { log "bun from npm does not run: $tools_bun"; exit 1; }
  bun="$tools_bun"
fi

# PostgreSQL server binaries: Debian's newest /usr/lib/postgresql/N/bin, else initdb on PATH.
pg_bindir() {
  local dir found=
  for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && found="$dir"; done
  [ -n "$found" ] || { found="$(command -v initdb || true)"; found="${found%/initdb}"; }
  echo "$found"
}

# --- Test-only system packages: Chromium for the browser tests, redis-server for the
# multi-worker tests, nginx for the reverse-proxy tests, PostgreSQL server binaries for
# the PostgreSQL tests.
if [ -n "$with_test" ]; then
  if [ ! -x /usr/bin/chromium ] && ! apt_install chromium; then
    # No apt (or no Debian chromium, e.g. Ubuntu): Playwright's own build needs the internet.
    if [ -n "$in_ci" ] || ! .venv/bin/python -m playwright install chromium; then
      log "could not install Chromium"; exit 1
    fi
  fi
  command -v redis-server >/dev/null || apt_install redis-server ||
    { log "could not install redis-server"; exit 1; }
  # nginx: the reverse-proxy tests run the README's configuration in a real nginx.
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx ||
    { log "could not install nginx"; exit 1; }
  if [ -z "$(pg_bindir)" ] && ! apt_install postgresql; then
    # CI must run every test; on a laptop the PostgreSQL tests may be skipped instead.
    [ -z "$in_ci" ] || { log "could not install PostgreSQL (CI=$CI)"; exit 1; }
    log "WARNING: no PostgreSQL server binaries: the PostgreSQL tests cannot run"
  fi
fi

# --- The shared environment file.
pg_dir="$(pg_bindir)"
{
  echo "# Generated by scripts/bootstrap.sh: source it to get the project's tools."
  echo "export VIRTUAL_ENV='$ROOT/.venv'"
  echo "export PATH='$ROOT/.venv/bin:$(dirname "$bun")':\"\$PATH\""
  echo "export REFLEX_USE_SYSTEM_BUN=1 # Reflex takes the bun on PATH (the one above)"
  [ ! -x /usr/bin/chromium ] || echo "export NC_CHROMIUM=/usr/bin/chromium"
  [ -z "$pg_dir" ] || echo "export NC_PG_BINDIR='$pg_dir'"
} >.venv/nc-env.sh

if [ $# -gt 0 ]; then
  # shellcheck source=/dev/null
  . .venv/nc-env.sh
  exec "$@"
fi
