"""The HTTP API alone under granian (Reflex's production server), for settings variants.

The full app (AppServer) takes several seconds to build; tests that need an unusual
setting (a short max connection age, a tight per-IP login limit) run the same
`build_api()` routes on the same server software, migrated by the same prestart command,
in about a second. Without Reflex there is no lifespan, so no Redis subscription: use
AppServer for anything that needs Redis.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.processes import AppServer


@dataclass
class ApiServer(AppServer):
    needs_prestart = True
    builds_frontend = False

    def command(self) -> list[str]:
        granian = str(Path(sys.executable).with_name("granian"))
        options = ["--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(self.port)]
        return [granian, *options, "notification_center.api:build_api"]

    def ready(self) -> bool:
        return httpx.get(self.url + "/api/health", timeout=2).status_code == 200


@dataclass
class WorkerApiServer(ApiServer):
    """ApiServer plus the per-worker lifespan (transport, scheduler), as `bench.api_app`
    serves it: for time-based features with unusual settings, without a frontend build."""

    workers: int = 1

    def command(self) -> list[str]:
        granian = str(Path(sys.executable).with_name("granian"))
        options = ["--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(self.port)]
        return [granian, *options, "--workers", str(self.workers), "bench.api_app:build"]
