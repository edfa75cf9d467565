"""The browser side of the package: the JS modules its components import, and the
Web Push service worker.

They live inside the package, not in an app's `assets/`, so that any Reflex app that
installs it gets them: `rx.asset(shared=True)` links each into the compiling app's
`assets/external/notification_center/web/`, where Reflex copies it into the build. The
service worker cannot live there (its scope would be that folder), so the API serves it
at `/sw.js` (api/service_worker_route.py).
"""

from __future__ import annotations

from pathlib import Path

import reflex as rx

HERE = Path(__file__).parent
SERVICE_WORKER = HERE / "sw.js"


def library(name: str) -> str:
    """The build-time import path (`$/public/external/...`) of the JS module `name`."""
    return rx.asset(name, shared=True).importable_path
