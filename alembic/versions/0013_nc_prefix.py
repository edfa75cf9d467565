"""Every table prefixed `nc_` (issue 19), so the notification center shares a host app's
database without taking names like `users` or `notifications`

Table renames keep the rows, keys and foreign keys (SQLite >= 3.26 rewrites the references
in the other tables; PostgreSQL refers by oid). The indexes named after their table by the
`ix_<table>_<column>` convention follow the new names; the explicitly named ones keep theirs.

Revision ID: 0013_nc_prefix
Revises: 0012_host_identity
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_nc_prefix"
down_revision: str | None = "0012_host_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "nc_"
TABLES = (
    "users",
    "auth_sessions",
    "notifications",
    "scheduled_sends",
    "bulk_undos",
    "bulk_undo_rows",
    "sends",
    "stream_samples",
    "delivery_latency",
    "api_keys",
    "audit_events",
    "categories",
    "preferences",
    "push_subscriptions",
    "deliveries",
)
# (table, column, unique) of every index named by the convention.
CONVENTION_INDEXES = (
    ("users", "username", True),
    ("users", "external_id", True),
    ("auth_sessions", "user_id", False),
    ("notifications", "snoozed_until", False),
    ("notifications", "expires_at", False),
    ("notifications", "send_id", False),
    ("bulk_undos", "user_id", False),
    ("sends", "sender_label", False),
    ("sends", "created_at", False),
    ("delivery_latency", "minute", False),
    ("push_subscriptions", "user_id", False),
    ("deliveries", "user_id", False),
    ("deliveries", "send_id", False),
)


def _move_index(table: str, column: str, unique: bool, old_prefix: str, new_prefix: str) -> None:
    old, new = f"ix_{old_prefix}{table}_{column}", f"ix_{new_prefix}{table}_{column}"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER INDEX {old} RENAME TO {new}")
    else:  # SQLite cannot rename an index
        op.drop_index(old, table_name=new_prefix + table)
        op.create_index(new, new_prefix + table, [column], unique=unique)


def upgrade() -> None:
    for table in TABLES:
        op.rename_table(table, PREFIX + table)
    for table, column, unique in CONVENTION_INDEXES:
        _move_index(table, column, unique, "", PREFIX)


def downgrade() -> None:
    for table in TABLES:
        op.rename_table(PREFIX + table, table)
    for table, column, unique in CONVENTION_INDEXES:
        _move_index(table, column, unique, PREFIX, "")
