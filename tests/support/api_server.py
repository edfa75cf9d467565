"""The HTTP API alone under granian (Reflex's production server), for settings variants.

The full app (AppServer) takes tens of seconds to build; tests that need an unusual
setting (a short max connection age, tiny buffers) run the same `build_api()` routes on
the same server software, migrated by the same prestart command, in about a second.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.processes import ROOT, AppServer, _wait_until


@dataclass
class ApiServer(AppServer):
    def start(self, timeout: float = 60) -> ApiServer:
        self.cli("prestart")
        granian = str(Path(sys.executable).with_name("granian"))
        cmd = [granian, "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(self.port)]
        cmd.append("notification_center.api:build_api")
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        _wait_until(self.ready, timeout, f"API on port {self.port}", self.proc, self.log_path)
        return self

    def ready(self) -> bool:
        return httpx.get(self.url + "/api/health", timeout=2).status_code == 200
