"""sent history (sends), connection samples and the delivery-latency histogram (issue 12)

Revision ID: 0004_history
Revises: 0003_keys_audit
Create Date: 2026-11-27 13:40:00

New tables only: existing data is untouched. Notifications sent before this revision have
no `send_id` and so appear in no history row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_history"
down_revision: str | None = "0003_keys_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "sends",
        sa.Column("id", _S(length=40), nullable=False),
        sa.Column("sender_kind", _S(length=16), nullable=False),
        sa.Column("sender_id", _S(length=40), nullable=True),
        sa.Column("sender_label", _S(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", _S(length=200), nullable=False),
        sa.Column("type", _S(length=16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sends") as batch:
        batch.create_index(batch.f("ix_sends_sender_label"), ["sender_label"], unique=False)
        batch.create_index(batch.f("ix_sends_created_at"), ["created_at"], unique=False)
    op.create_table(
        "stream_samples",
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("streams", sa.Integer(), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slot"),
    )
    op.create_table(
        "delivery_latency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("bucket_ms", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_latency") as batch:
        batch.create_index(batch.f("ix_delivery_latency_minute"), ["minute"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery_latency") as batch:
        batch.drop_index(batch.f("ix_delivery_latency_minute"))
    op.drop_table("delivery_latency")
    op.drop_table("stream_samples")
    with op.batch_alter_table("sends") as batch:
        batch.drop_index(batch.f("ix_sends_created_at"))
        batch.drop_index(batch.f("ix_sends_sender_label"))
    op.drop_table("sends")
