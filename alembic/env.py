"""Alembic environment: the same engine settings and metadata as the app."""

from logging.config import fileConfig

from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import notification_center.models  # noqa: F401  (registers the tables)
from alembic import context
from notification_center.db import make_engine
from notification_center.migrations import VERSION_TABLE, adopt_legacy_version
from notification_center.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get("db_url") or get_settings().db_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True, version_table=VERSION_TABLE
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url(), statement_timeout=False)  # an index build may take long
    with engine.connect() as connection:
        revisions = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        adopt_legacy_version(connection, revisions)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            version_table=VERSION_TABLE,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
