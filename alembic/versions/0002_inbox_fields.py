"""inbox lifecycle fields on notifications (CONTRACT section 9)

Revision ID: 0002_inbox_fields
Revises: 0001
Create Date: 2026-11-27 13:30:00

Adds only nullable columns or columns with a server default, so an existing database
with notifications in it upgrades in place; rows read before keep counting as seen.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_inbox_fields"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("seen_at", _TZ, nullable=True))
        batch.add_column(sa.Column("archived_at", _TZ, nullable=True))
        batch.add_column(sa.Column("deleted_at", _TZ, nullable=True))
        batch.add_column(sa.Column("snoozed_until", _TZ, nullable=True))
        batch.add_column(sa.Column("expires_at", _TZ, nullable=True))
        batch.add_column(
            sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default="general")
        )
        batch.add_column(sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch.add_column(sa.Column("actions", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("action_taken", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch.add_column(sa.Column("group_count", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch.add_column(sa.Column("send_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch.add_column(sa.Column("delivered_at", _TZ, nullable=True))
        batch.create_index("ix_notifications_snoozed_until", ["snoozed_until"])
        batch.create_index("ix_notifications_expires_at", ["expires_at"])
        batch.create_index("ix_notifications_send_id", ["send_id"])
    # Rows that were read before "seen" existed were certainly seen: keep the new unseen
    # badge from lighting up for old, read history.
    op.execute("UPDATE notifications SET seen_at = read_at WHERE read_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_send_id")
        batch.drop_index("ix_notifications_expires_at")
        batch.drop_index("ix_notifications_snoozed_until")
        for column in (
            "delivered_at",
            "send_id",
            "group_count",
            "group_key",
            "action_taken",
            "actions",
            "url",
            "category",
            "expires_at",
            "snoozed_until",
            "deleted_at",
            "archived_at",
            "seen_at",
        ):
            batch.drop_column(column)
