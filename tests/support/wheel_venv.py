"""The package as a host app gets it: a wheel built from this checkout, installed into a
fresh virtualenv whose dependencies are this environment's (a `.pth` line), so no package
index is needed and the build backend is requirements.txt's hatchling."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.support.processes import ROOT


def build_wheel(out: Path) -> Path:
    quiet = ["--disable-pip-version-check", "-q"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *quiet, "-w", str(out), str(ROOT)], check=True, timeout=300
    )
    (built,) = out.glob("notification_center-*.whl")
    return built


def install_into_fresh_venv(wheel: Path, venv: Path) -> Path:
    """The venv's python, with the wheel installed (and nothing of the checkout)."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q", str(wheel)]
    subprocess.run(install, check=True, timeout=300)
    site = subprocess.check_output(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    (Path(site) / "nc_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python
