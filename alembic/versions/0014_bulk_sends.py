"""Sends to big audiences written in the background, a batch at a time (issue 22)

Revision ID: 0014_bulk_sends
Revises: 0013_nc_prefix
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014_bulk_sends"
down_revision: str | None = "0013_nc_prefix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nc_bulk_sends",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), primary_key=True),
        sa.Column("draft", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("user_ids", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("written", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_bulk_sends_done_next_at", "nc_bulk_sends", ["done", "next_at"])


def downgrade() -> None:
    op.drop_index("ix_bulk_sends_done_next_at", table_name="nc_bulk_sends")
    op.drop_table("nc_bulk_sends")
