"""A real nginx in front of the app, configured with the README's own snippet.

The `server` block is read from README.md (the ```nginx block under "Behind a reverse
proxy"), so the documented configuration is the one the tests prove. Only its ports are
replaced, and it is wrapped in a minimal nginx.conf that keeps pid, logs and temp files in
the instance's own folder.

Two hostile variants of that configuration stand for the networks the stream's automatic
transport choice is for: "buffering" (the SSE stream held back in nginx's buffers and its
gzip filter, the `X-Accel-Buffering: no` hint ignored, as a corporate gateway does) and "no-stream-upgrade"
(the stream's WebSocket upgrade is not passed on: the app answers that plain GET with 426).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.processes import ROOT, _stop_group, _wait_until, free_port

README_BLOCK = re.compile(r"<!-- nginx-snippet -->\s*```nginx\n(.*?)```", re.S)


def readme_snippet() -> str:
    match = README_BLOCK.search((ROOT / "README.md").read_text())
    if match is None:
        raise RuntimeError("README.md has no ```nginx block after <!-- nginx-snippet -->")
    return match.group(1)


def _variant(snippet: str, variant: str) -> str:
    if variant == "buffering":
        assert "proxy_buffering off;" in snippet
        # nginx's buffering alone still passes each upstream read on; a compressing gateway is
        # what holds small events back (gzip waits for a block's worth), as many do.
        buffered = (
            "proxy_buffering on;\n        proxy_ignore_headers X-Accel-Buffering;\n"
            "        gzip on;\n        gzip_types text/event-stream;"
        )
        return snippet.replace("proxy_buffering off;", buffered)
    if variant == "no-stream-upgrade":
        location = re.search(r"\n    location / \{.*?\n    \}\n", snippet, re.S)
        assert location is not None
        stream = (
            location.group(0)
            .replace("location / {", "location = /api/notifications/ws {")
            .replace("$http_upgrade", '""')
            .replace("$connection_upgrade", '""')
        )
        return snippet.replace(location.group(0), stream + location.group(0))
    assert variant == "readme", variant
    return snippet


def nginx_conf(snippet: str, listen_port: int, upstream_port: int, workdir: Path, variant: str = "readme") -> str:
    """The README snippet (or a variant) on our ports, wrapped in a self-contained nginx.conf."""
    snippet = _variant(snippet, variant)
    snippet = re.sub(r"listen\s+\d+;", f"listen 127.0.0.1:{listen_port};", snippet)
    snippet = snippet.replace("127.0.0.1:3000", f"127.0.0.1:{upstream_port}")
    temp = {name: workdir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    # As root, nginx's workers would switch to `nobody`, who cannot enter pytest's tmp folders.
    user = "user root root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} info;
events {{ worker_connections 1024; }}
http {{
    access_log {workdir / "access.log"};
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
{snippet}
}}
"""


@dataclass
class NginxProxy:
    """nginx on a free loopback port, proxying to the app on `upstream_port`."""

    workdir: Path
    upstream_port: int
    variant: str = "readme"  # or "buffering", "no-stream-upgrade" (see the module docstring)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> NginxProxy:
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nginx.conf"
        conf.write_text(nginx_conf(readme_snippet(), self.port, self.upstream_port, self.workdir, self.variant))
        log = self.workdir / "error.log"
        cmd = [exe, "-p", str(self.workdir), "-e", str(log), "-c", str(conf), "-g", "daemon off;"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("ab"), start_new_session=True)
        _wait_until(self._ready, 20, "nginx", self.proc, log)
        return self

    def _ready(self) -> bool:
        return httpx.get(self.url + "/api/health", timeout=2).status_code == 200

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc = None
