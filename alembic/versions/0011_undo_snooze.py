"""Undo of an archive puts a snooze back (issue 20: archiving a snoozed row ends its snooze)

Revision ID: 0011_undo_snooze
Revises: 0010_push_clicks
Create Date: 2026-12-02 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_undo_snooze"
down_revision: str | None = "0010_push_clicks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bulk_undo_rows") as batch:
        batch.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bulk_undo_rows") as batch:
        batch.drop_column("snoozed_until")
