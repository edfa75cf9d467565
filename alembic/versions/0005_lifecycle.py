"""bulk actions' undo records (issue 10: bulk with undo)

Revision ID: 0005_lifecycle
Revises: 0004_history
Create Date: 2026-11-27 13:40:00

Two new tables only; existing data is untouched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_lifecycle"
down_revision: str | None = "0004_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "bulk_undos",
        sa.Column("id", _STR(length=64), nullable=False),
        sa.Column("user_id", _STR(length=40), nullable=False),
        sa.Column("action", _STR(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.Column("used_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bulk_undos") as batch:
        batch.create_index("ix_bulk_undos_user_id", ["user_id"], unique=False)
    op.create_table(
        "bulk_undo_rows",
        sa.Column("undo_id", _STR(length=64), nullable=False),
        sa.Column("notification_id", _STR(length=40), nullable=False),
        sa.Column("read_at", _TZ, nullable=True),
        sa.Column("seen_at", _TZ, nullable=True),
        sa.Column("archived_at", _TZ, nullable=True),
        sa.Column("deleted_at", _TZ, nullable=True),
        sa.Column("status", _STR(length=16), nullable=False),
        sa.ForeignKeyConstraint(["undo_id"], ["bulk_undos.id"]),
        sa.PrimaryKeyConstraint("undo_id", "notification_id"),
    )


def downgrade() -> None:
    op.drop_table("bulk_undo_rows")
    with op.batch_alter_table("bulk_undos") as batch:
        batch.drop_index("ix_bulk_undos_user_id")
    op.drop_table("bulk_undos")
