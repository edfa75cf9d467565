"""Apply Alembic migrations from code (the run command's prestart step and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from notification_center.settings import PROJECT_ROOT

# Installed from a wheel, the migrations travel inside the package (pyproject.toml); in a
# checkout they are the top-level `alembic/` (+ `alembic.ini`) the contract names.
PACKAGED_SCRIPTS = Path(__file__).resolve().parent / "_alembic"


def script_location() -> Path:
    return PACKAGED_SCRIPTS if PACKAGED_SCRIPTS.is_dir() else PROJECT_ROOT / "alembic"


def alembic_config(db_url: str | None = None) -> Config:
    ini = PROJECT_ROOT / "alembic.ini"
    config = Config(str(ini)) if ini.is_file() and not PACKAGED_SCRIPTS.is_dir() else Config()
    config.set_main_option("script_location", str(script_location()))
    config.set_main_option("path_separator", "os")
    config.attributes["configure_logging"] = False
    if db_url:
        config.attributes["db_url"] = db_url
    return config


def upgrade_to_head(db_url: str | None = None) -> None:
    command.upgrade(alembic_config(db_url), "head")


def downgrade_to_base(db_url: str | None = None) -> None:
    command.downgrade(alembic_config(db_url), "base")
