"""Apply Alembic migrations from code (the run command's prestart step and tests)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from notification_center.settings import PROJECT_ROOT


def alembic_config(db_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["configure_logging"] = False
    if db_url:
        config.attributes["db_url"] = db_url
    return config


def upgrade_to_head(db_url: str | None = None) -> None:
    command.upgrade(alembic_config(db_url), "head")


def downgrade_to_base(db_url: str | None = None) -> None:
    command.downgrade(alembic_config(db_url), "base")
