"""One frontend build per set of build inputs for a whole test run.

Each AppServer builds into its own web dir (a shared one would be rebuilt under a running
server). A build does not depend on the port (`serve.build_fingerprint`), so a server whose
inputs match a build made earlier in the run starts from a copy of it: the launcher finds its
stamp current and skips the 30-60 s build. `node_modules` (about 190 MB, only read once
built) is shared through a symlink; the rest (about 20 MB) is copied, so no server ever
writes into another's build. The store lives under the run's pytest temp root (set by
tests/conftest.py in NC_TEST_WEB_BUILDS, shared by the xdist workers); without it, every
server builds, as before.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

STORE_ENV = "NC_TEST_WEB_BUILDS"
STAMP_NAME = "nc-build-stamp"  # notification_center.serve.STAMP_NAME
SHARED = "node_modules"


def _store() -> Path | None:
    value = os.environ.get(STORE_ENV)
    return Path(value) if value else None


def key(root: Path, env: Mapping[str, str]) -> str:
    """What the launcher will compute for a server with this environment."""
    from reflex_base import constants

    from notification_center.serve import build_fingerprint

    return build_fingerprint(root, constants.Reflex.VERSION, env)


def seed(web_dir: Path, build_key: str) -> bool:
    """Put a stored build for `build_key` into an empty `web_dir`; whether there was one."""
    store = _store()
    stored = store / build_key if store else None
    if stored is None or not (stored / STAMP_NAME).exists() or web_dir.exists():
        return False
    shutil.copytree(stored, web_dir, symlinks=True, ignore=shutil.ignore_patterns(SHARED))
    (web_dir / SHARED).symlink_to(stored / SHARED, target_is_directory=True)
    return True


def keep(web_dir: Path, build_key: str) -> None:
    """After a server built `web_dir` for `build_key`: store it, unless one is stored already
    (two workers may build the same inputs at once; the first to finish is kept)."""
    store = _store()
    if store is None or not (web_dir / STAMP_NAME).exists() or (web_dir / SHARED).is_symlink():
        return
    if (web_dir / STAMP_NAME).read_text() != build_key or (store / build_key).exists():
        return
    store.mkdir(parents=True, exist_ok=True)
    partial = store / f".{build_key}.{os.getpid()}"
    shutil.copytree(web_dir, partial, symlinks=True, ignore=shutil.ignore_patterns(SHARED))
    shutil.copytree(web_dir / SHARED, partial / SHARED, symlinks=True, copy_function=os.link)
    try:
        partial.rename(store / build_key)  # atomic: a reader sees all of it or nothing
    except OSError:  # another worker stored the same build first
        shutil.rmtree(partial, ignore_errors=True)
