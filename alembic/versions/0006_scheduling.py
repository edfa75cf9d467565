"""scheduling: scheduled sends; the expiry claim marker; indexes for retention and expiry

Revision ID: 0006_scheduling
Revises: 0005_lifecycle
Create Date: 2026-11-27 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_scheduling"
down_revision: str | None = "0005_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DUE = "expired_at IS NULL AND expires_at IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "scheduled_sends",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("creator_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("creator_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("creator_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_count", sa.Integer(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scheduled_sends", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_sends_status_send_at", ["status", "send_at"], unique=False)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_notifications_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_notifications_expiry_due",
            ["expires_at"],
            unique=False,
            postgresql_where=sa.text(_DUE),
            sqlite_where=sa.text(_DUE),
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_expiry_due")
        batch_op.drop_index("ix_notifications_created_at")
        batch_op.drop_column("expired_at")
    with op.batch_alter_table("scheduled_sends", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_sends_status_send_at")
    op.drop_table("scheduled_sends")
