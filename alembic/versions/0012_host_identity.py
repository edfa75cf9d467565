"""Users the host app vouches for (issue 19): the host's id for them and their display name

Revision ID: 0012_host_identity
Revises: 0011_undo_snooze
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_host_identity"
down_revision: str | None = "0011_undo_snooze"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch.add_column(sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.create_index("ix_users_external_id", ["external_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_external_id")
        batch.drop_column("display_name")
        batch.drop_column("external_id")
