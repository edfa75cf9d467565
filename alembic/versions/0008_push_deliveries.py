"""Web Push subscriptions, per-channel delivery rows, and the `push` preference (issue 17)

Revision ID: 0008_push_deliveries
Revises: 0007_categories_preferences
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_push_deliveries"
down_revision: str | None = "0007_categories_preferences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", _text(40), nullable=False),
        sa.Column("user_id", _text(40), nullable=False),
        sa.Column("endpoint", _text(1024), nullable=False),
        sa.Column("p256dh", _text(128), nullable=False),
        sa.Column("auth", _text(64), nullable=False),
        sa.Column("user_agent", _text(256), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint"),
    )
    op.create_index("ix_push_subscriptions_user_id", "push_subscriptions", ["user_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", _text(40), nullable=False),
        sa.Column("user_id", _text(40), nullable=False),
        sa.Column("send_id", _text(40), nullable=True),
        sa.Column("channel", _text(16), nullable=False),
        sa.Column("mode", _text(16), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TZ, nullable=False),
        sa.Column("last_error", _text(500), nullable=True),
        sa.Column("done_targets", _text(2000), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notification_id", "channel", name="uq_deliveries_notification_channel"),
    )
    op.create_index("ix_deliveries_user_id", "deliveries", ["user_id"])
    op.create_index("ix_deliveries_send_id", "deliveries", ["send_id"])
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    with op.batch_alter_table("preferences") as batch:
        batch.add_column(sa.Column("push", _text(16), nullable=False, server_default="offline"))


def downgrade() -> None:
    with op.batch_alter_table("preferences") as batch:
        batch.drop_column("push")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_index("ix_deliveries_send_id", table_name="deliveries")
    op.drop_index("ix_deliveries_user_id", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_push_subscriptions_user_id", table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
