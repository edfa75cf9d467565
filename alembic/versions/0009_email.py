"""Email: users' addresses, the `email` preference and its delay, categories' default delay (issue 21)

Revision ID: 0009_email
Revises: 0008_push_deliveries
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_email"
down_revision: str | None = "0008_push_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", _text(254), nullable=True))
        batch.add_column(sa.Column("email_verified_at", _TZ, nullable=True))
        batch.add_column(sa.Column("pending_email", _text(254), nullable=True))
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("email_delay_minutes", sa.Float(), nullable=False, server_default=sa.text("15")))
    with op.batch_alter_table("preferences") as batch:
        batch.add_column(sa.Column("email", _text(16), nullable=False, server_default="unread"))
        batch.add_column(sa.Column("email_delay_minutes", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("preferences") as batch:
        batch.drop_column("email_delay_minutes")
        batch.drop_column("email")
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("email_delay_minutes")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("pending_email")
        batch.drop_column("email_verified_at")
        batch.drop_column("email")
