"""The production launcher: `python -m notification_center.serve` (what `make run` starts).

It applies pending migrations (creating the first admin on an empty database), then does
what `reflex run --env prod --single-port` does, with two differences that matter in
production:

- Reflex 0.10.1 rebuilds the frontend on every start (15 s of downtime per restart). Here
  the build is reused while its inputs (the UI code, assets, Reflex version, port and
  REFLEX_* settings) are unchanged, so a restart serves again in about four seconds (3.5-4.2 s measured, bench D).
- Reflex starts granian with its defaults, backlog 1024 and backpressure = backlog //
  workers: every SSE stream and Reflex websocket holds one of those slots, so a worker stops
  accepting anything (health, pages, the API) at 1,024 open connections. Here each worker
  may hold as many connections as it has file descriptors, and the process raises its
  open-files limit to the hard limit first.
- Reflex gives granian no kill timeout, so one worker stuck on its event loop keeps the
  whole server from ending on SIGTERM. Here workers still alive NC_SHUTDOWN_TIMEOUT_SECONDS
  after SIGTERM are killed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import resource
from collections.abc import Mapping
from pathlib import Path

from notification_center.settings import PROJECT_ROOT, get_settings

logger = logging.getLogger(__name__)

STAMP_NAME = "nc-build-stamp"
# Inputs of the compiled frontend. Backend-only settings stay out, so that pointing the
# app at another database or Redis does not force a rebuild.
BUILD_INPUTS = ("notification_center", "examples", "assets", "rxconfig.py", "reflex.lock")
# Written by the compile itself: Reflex links the package's shared assets
# (notification_center/web/, an input already) into assets/external/. Counting it made the
# first restart after every build rebuild again (10 s more downtime, found with bench D).
GENERATED_INPUTS = (Path("assets", "external"),)
# Settings outside REFLEX_* that change which pages are compiled.
BUILD_ENV = ("NC_EXAMPLE_PAGES",)
BACKEND_ONLY_ENV = {"REFLEX_DB_URL", "REFLEX_REDIS_URL", "REFLEX_ENV_MODE", "REFLEX_SKIP_COMPILE"}
# Not inputs either (build_fingerprint): the ports (main() sets them for Reflex) and where the build lives.
NOT_BUILD_INPUT_ENV = BACKEND_ONLY_ENV | {"REFLEX_FRONTEND_PORT", "REFLEX_BACKEND_PORT", "REFLEX_WEB_WORKDIR"}


def raise_open_files_limit() -> int:
    """Lift the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            logger.warning("could not raise the open-files limit from %s: %s", soft, exc)
    return soft


def listen_backlog() -> int:
    """The kernel caps listen() at somaxconn; asking for more is harmless but misleading."""
    try:
        return max(1024, int(Path("/proc/sys/net/core/somaxconn").read_text()))
    except (OSError, ValueError):
        return 4096


def build_fingerprint(root: Path, reflex_version: str, env: Mapping[str, str] | None = None) -> str:
    """A digest of everything the compiled frontend depends on (`env`: os.environ unless given).

    The port is not one: Reflex bakes `http://localhost:PORT` into the build, and
    SameOriginBackendPlugin (web_build.py) rewrites every such URL into the page's own
    origin, so one build serves on any port (an explicit REFLEX_API_URL is a REFLEX_
    setting, so it is an input). Where the build lives (REFLEX_WEB_WORKDIR) is not one either."""
    env = os.environ if env is None else env
    digest = hashlib.sha256(f"reflex {reflex_version}\n".encode())
    for name in sorted(k for k in env if k.startswith("REFLEX_") and k not in NOT_BUILD_INPUT_ENV):
        digest.update(f"env {name}={env[name]}\n".encode())
    for name in BUILD_ENV:
        digest.update(f"env {name}={env.get(name, '')}\n".encode())
    for top in BUILD_INPUTS:
        path = root / top
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            relative = file.relative_to(root)
            if "__pycache__" in file.parts or not file.exists() or _generated(relative):
                continue
            digest.update(f"file {relative}\n".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _generated(relative: Path) -> bool:
    return any(relative.is_relative_to(generated) for generated in GENERATED_INPUTS)


def _patch_granian_limits(backlog: int, backpressure: int, kill_timeout: float) -> None:
    """Make Reflex's granian launch use our limits (it passes none of them), HTTP/1 only.

    `kill_timeout` is granian's `workers_kill_timeout`: on SIGTERM granian's main process
    terminates every worker, waits this long in total for them to drain, then SIGKILLs the
    ones still alive and exits. Reflex passes none, and granian then waits forever: a worker
    whose event loop is stuck (a coroutine that never yields) never runs its signal handler,
    so `make run` would never end on SIGTERM (README "Stuck worker").

    HTTP/1 only: browsers speak HTTP/2 only over TLS, which a proxy in front terminates,
    and granian's automatic h1/h2 detection costs about 12 KiB more per open connection
    (30 vs 18 KiB per idle connection, measured with a bare ASGI app; bench/README.md).
    """
    import granian.server
    from granian.constants import HTTPModes

    base = granian.server.Server

    class Server(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            kwargs.setdefault("backlog", backlog)
            kwargs.setdefault("backpressure", backpressure)
            kwargs.setdefault("http", HTTPModes.http1)
            kwargs.setdefault("workers_kill_timeout", kill_timeout)
            super().__init__(*args, **kwargs)

    granian.server.Server = Server  # type: ignore[misc]


def _ensure_frontend_build() -> bool:
    """Compile and build the frontend unless the last build had the same inputs.

    Returns whether it built.
    """
    from reflex.reflex import _compile_app, _init
    from reflex.utils import build, path_ops, prerequisites
    from reflex_base import constants
    from reflex_base.config import get_config

    config = get_config()
    web_dir = prerequisites.get_web_dir()
    with path_ops.file_lock(web_dir):
        if prerequisites.needs_reinit():
            _init(name=config.app_name)
        stamp = web_dir / STAMP_NAME
        wanted = build_fingerprint(PROJECT_ROOT, constants.Reflex.VERSION)
        built_index = web_dir / constants.Dirs.STATIC / "index.html"
        if stamp.exists() and stamp.read_text() == wanted and built_index.exists():
            return False
        stamp.unlink(missing_ok=True)  # a build that fails half-way must not look current
        _compile_app(avoid_dirty_check=False)
        build.setup_frontend_prod(PROJECT_ROOT)
        stamp.write_text(wanted)
        return True


def main() -> None:
    from reflex.istate.manager import reset_disk_state_manager
    from reflex.utils import exec as reflex_exec
    from reflex_base import constants
    from reflex_base.config import get_config, reload_config
    from reflex_base.environment import environment

    os.chdir(PROJECT_ROOT)
    fds = raise_open_files_limit()
    try:
        port = get_settings().port
    except ValueError as exc:  # a bad setting (NC_SMTP_URL, ...): its message alone, no traceback
        raise SystemExit(f"configuration error: {exc}") from None
    # Migrations and the first-run admin, in this process rather than a separate
    # `python -m notification_center prestart`: one interpreter start less per restart.
    from notification_center.__main__ import main as cli

    if cli(["prestart"]) != 0:
        raise SystemExit("prestart failed")
    # The workers are forked from this process: they must not inherit its pooled database
    # connections (two processes on one PostgreSQL connection corrupt each other's replies).
    from notification_center.db import get_engine

    get_engine().dispose()
    get_engine.cache_clear()

    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    config = get_config()
    config._set_persistent(frontend_port=port, backend_port=port)
    reload_config()
    reset_disk_state_manager()

    built = _ensure_frontend_build()
    print(f"frontend: {'built' if built else 'unchanged, reusing the last build'}", flush=True)

    environment.REFLEX_SKIP_COMPILE.set(True)
    # Headroom below the fd limit for the database, Redis and log files of each worker.
    _patch_granian_limits(
        backlog=listen_backlog(),
        backpressure=max(1024, fds - 256),
        kill_timeout=get_settings().shutdown_timeout_seconds,
    )
    reflex_exec.notify_app_running()
    reflex_exec.run_backend_prod(
        get_config().backend_host, port, config.loglevel.subprocess_level(), mount_frontend_compiled_app=True
    )


if __name__ == "__main__":
    main()
