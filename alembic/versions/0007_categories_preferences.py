"""categories, per-user preferences, and the grouping index (issue 11)

Revision ID: 0007_categories_preferences
Revises: 0006_scheduling
Create Date: 2026-11-27 13:40:00

`general` (the default of every send) and `security` (critical: cannot be muted) exist
from here on, so every existing notification's category is a defined one.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_categories_preferences"
down_revision: str | None = "0006_scheduling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    categories = op.create_table(
        "categories",
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_table(
        "preferences",
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("toast", sa.Boolean(), nullable=False),
        sa.Column("sound", sa.Boolean(), nullable=False),
        sa.Column("desktop", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["category"], ["categories.slug"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id", "category"),
    )
    op.create_index("ix_notifications_user_group", "notifications", ["user_id", "group_key"])
    now = datetime.now(UTC)
    op.bulk_insert(
        categories,
        [
            {
                "slug": "general",
                "name": "General",
                "description": "Everything without a more specific category.",
                "critical": False,
                "created_at": now,
                "updated_at": now,
            },
            {
                "slug": "security",
                "name": "Security",
                "description": "Sign-ins, keys and account changes. Always alerts.",
                "critical": True,
                "created_at": now,
                "updated_at": now,
            },
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_user_group", table_name="notifications")
    op.drop_table("preferences")
    op.drop_table("categories")
