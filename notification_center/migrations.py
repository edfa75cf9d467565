"""Apply Alembic migrations from code (the run command's prestart step and tests).

The migrations keep their own version table, `nc_alembic_version`, so that they share a
database with a host app that has its own Alembic history in `alembic_version`.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config

from alembic import command
from notification_center.settings import PROJECT_ROOT

# Installed from a wheel, the migrations travel inside the package (pyproject.toml); in a
# checkout they are the top-level `alembic/` (+ `alembic.ini`) the contract names.
PACKAGED_SCRIPTS = Path(__file__).resolve().parent / "_alembic"


VERSION_TABLE = "nc_alembic_version"
LEGACY_VERSION_TABLE = "alembic_version"  # where databases made before 0.1 kept it


def adopt_legacy_version(connection: sa.Connection, revisions: set[str]) -> None:
    """A database this app migrated before it had its own version table: move our revision
    from `alembic_version` into `nc_alembic_version` (leaving any other app's rows there),
    so the upgrade continues where it stood instead of creating the tables again.
    Commits, so that Alembic's own transaction starts afresh after it."""
    _adopt(connection, revisions)
    connection.commit()


def _adopt(connection: sa.Connection, revisions: set[str]) -> None:
    names = set(sa.inspect(connection).get_table_names())
    if VERSION_TABLE in names or LEGACY_VERSION_TABLE not in names:
        return
    legacy = sa.table(LEGACY_VERSION_TABLE, sa.column("version_num", sa.String(32)))
    ours = [row for (row,) in connection.execute(sa.select(legacy.c.version_num)) if row in revisions]
    if not ours:
        return
    version = sa.Table(
        VERSION_TABLE, sa.MetaData(), sa.Column("version_num", sa.String(32), primary_key=True, nullable=False)
    )
    version.create(connection)
    connection.execute(version.insert(), [{"version_num": row} for row in ours])
    connection.execute(legacy.delete().where(legacy.c.version_num.in_(ours)))
    if connection.execute(sa.select(sa.func.count()).select_from(legacy)).scalar_one() == 0:
        connection.execute(sa.text(f"DROP TABLE {LEGACY_VERSION_TABLE}"))


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
