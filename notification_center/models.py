"""SQLModel tables. Wire shapes (camelCase JSON) live in notifications/serialize.py."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _tz_column(nullable: bool = False, index: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class Role(StrEnum):
    USER = "user"
    OPERATOR = "operator"


class NotificationType(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ALERT = "alert"
    MESSAGE = "message"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class User(SQLModel, table=True):
    __tablename__ = "nc_users"

    id: str = Field(default_factory=lambda: new_public_id("user"), primary_key=True, max_length=40)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.USER.value, max_length=16)
    # Highest stream cursor handed out to this user's notifications. Bumped in the same
    # transaction as the insert, so cursors are contiguous and commit in order per user.
    last_seq: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    # Email (mail/addresses.py): the confirmed address mail goes to, when it was confirmed,
    # and an address asked for but not confirmed yet (mail never goes there).
    email: str | None = Field(default=None, max_length=254)
    email_verified_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    pending_email: str | None = Field(default=None, max_length=254)
    # A user the host app vouched for (auth/host_tokens.py): its own id for them, and the name
    # it gave. Such a user has no password (`password_hash` is not a hash) and signs in only so.
    external_id: str | None = Field(default=None, max_length=128, unique=True, index=True)
    display_name: str | None = Field(default=None, max_length=64)


class AuthSession(SQLModel, table=True):
    __tablename__ = "nc_auth_sessions"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie token
    user_id: str = Field(foreign_key="nc_users.id", index=True, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    expires_at: datetime = Field(sa_column=_tz_column())
    revoked_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))


class Notification(SQLModel, table=True):
    __tablename__ = "nc_notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "seq", name="uq_notifications_user_seq"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        # Grouping (notifications/grouping.py) looks up a send's group rows per chunk of users.
        Index("ix_notifications_user_group", "user_id", "group_key"),
        # Retention purges by age (scheduling/retention.py).
        Index("ix_notifications_created_at", "created_at"),
        # Expiries not yet announced, by due time: the scheduler's claim never walks the
        # ones it handled before (scheduling/expiry.py).
        Index(
            "ix_notifications_expiry_due",
            "expires_at",
            postgresql_where=text("expired_at IS NULL AND expires_at IS NOT NULL"),
            sqlite_where=text("expired_at IS NULL AND expires_at IS NOT NULL"),
        ),
    )

    id: str = Field(default_factory=lambda: new_public_id("notif"), primary_key=True, max_length=40)
    user_id: str = Field(foreign_key="nc_users.id", max_length=40)
    # Per-user, gap-free, increasing: the SSE `id:` and the pagination cursor.
    # The unique (user_id, seq) index also serves "this user's newest first".
    seq: int
    type: str = Field(default=NotificationType.INFO.value, max_length=16)
    priority: str = Field(default=Priority.NORMAL.value, max_length=16)
    title: str = Field(max_length=200)
    content: str = Field(default="", max_length=5000)
    channels: str = Field(default="in_app", max_length=200)  # comma-separated channel names
    status: str = Field(default=Status.PENDING.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    read_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    # Inbox lifecycle (CONTRACT section 9). Which rows the inbox shows, and what the
    # badges count, is decided in one place: notifications/visibility.py.
    seen_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    archived_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    # Deleted for its user: never listed, counted or replayed again; the row stays for audit.
    deleted_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    snoozed_until: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True, index=True))
    expires_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True, index=True))
    category: str = Field(default="general", max_length=32, sa_column_kwargs={"server_default": "general"})
    url: str | None = Field(default=None, max_length=2000)
    actions: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    action_taken: str | None = Field(default=None, max_length=64)
    group_key: str | None = Field(default=None, max_length=128)
    group_count: int = Field(default=1, sa_column_kwargs={"server_default": text("1")})
    # The send (sent history) this row came from, and when it was first written to a stream.
    send_id: str | None = Field(default=None, max_length=40, index=True)
    delivered_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    # When the scheduler told the user's tabs that this row expired (`expired` event): the
    # claim marker that makes that happen once. Not on the wire.
    expired_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))


class ScheduledSendStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ScheduledSend(SQLModel, table=True):
    """A send an operator asked for at a later time (`sendAt`); the scheduler fires it once."""

    __tablename__ = "nc_scheduled_sends"
    __table_args__ = (Index("ix_scheduled_sends_status_send_at", "status", "send_at"),)

    id: str = Field(default_factory=lambda: new_public_id("sched"), primary_key=True, max_length=40)
    # Who scheduled it (an operator or an API key, as in the audit log): it fires in their name.
    creator_type: str = Field(max_length=16)
    creator_id: str | None = Field(default=None, max_length=40)
    creator_name: str = Field(default="", max_length=100)
    # The validated send body without `sendAt` (JSON): fired later through the normal send path.
    body: str
    send_at: datetime = Field(sa_column=_tz_column())
    status: str = Field(default=ScheduledSendStatus.PENDING.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    fired_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    sent_count: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=500)


class BulkSend(SQLModel, table=True):
    """A send to a big audience being written in the background, a batch at a time.

    Its id is the send's (the history row's). The recipients are resolved once, when the
    send is accepted; `written` counts those whose rows are committed, and each batch
    advances it in the transaction that writes the batch, so a crash redoes at most the
    batch it interrupted and never writes a recipient twice."""

    __tablename__ = "nc_bulk_sends"
    __table_args__ = (Index("ix_bulk_sends_done_next_at", "done", "next_at"),)

    id: str = Field(primary_key=True, max_length=40)
    draft: str  # the notification to write (JSON), as the send was accepted
    user_ids: str  # the recipients (a JSON list of user ids), in writing order
    total: int
    written: int = Field(default=0)
    done: bool = Field(default=False)
    next_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    finished_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))


class BulkUndo(SQLModel, table=True):
    """One bulk action that can still be undone: who did what, until when, used or not.

    The id is the SHA-256 of the undo token handed to the client, never the token itself,
    so a leaked database cannot undo anything. A conditional UPDATE of `used_at` makes the
    token single-use across workers and nodes."""

    __tablename__ = "nc_bulk_undos"

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="nc_users.id", index=True, max_length=40)
    action: str = Field(max_length=16)
    count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    expires_at: datetime = Field(sa_column=_tz_column())
    used_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))


class BulkUndoRow(SQLModel, table=True):
    """A row a bulk action changed, with the lifecycle values it had before (for undo).

    Filled by INSERT ... SELECT in the bulk action's transaction: however many rows a
    filter matches, none of them passes through Python."""

    __tablename__ = "nc_bulk_undo_rows"

    undo_id: str = Field(foreign_key="nc_bulk_undos.id", primary_key=True, max_length=64)
    notification_id: str = Field(primary_key=True, max_length=40)
    read_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    seen_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    archived_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    # Archiving a snoozed row ends its snooze (notifications/states.py); undo puts it back.
    snoozed_until: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    status: str = Field(max_length=16)


class Send(SQLModel, table=True):
    """One send in the sent history: who sent what to how many. The figures (delivered,
    seen, read) are not stored here but counted from its notifications (`send_id`), so
    they are the same on every node and never drift."""

    __tablename__ = "nc_sends"

    id: str = Field(default_factory=lambda: new_public_id("send"), primary_key=True, max_length=40)
    sender_kind: str = Field(max_length=16)  # "user", "key" or "system"
    sender_id: str | None = Field(default=None, max_length=40)
    # The username or key name at the time of sending; the history's sender filter.
    sender_label: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column(index=True))
    title: str = Field(max_length=200)
    type: str = Field(max_length=16)
    recipients: int = Field(default=0)


class StreamSample(SQLModel, table=True):
    """Open streams and connected users (cluster-wide) at one sampling slot, for the
    console's connections chart. `slot` is the sample's epoch second rounded down to the
    sampling period: every worker samples, the first to insert a slot wins."""

    __tablename__ = "nc_stream_samples"

    slot: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    streams: int = Field(default=0)
    users: int = Field(default=0)


class DeliveryLatency(SQLModel, table=True):
    """A histogram of delivery latency (created -> first written to a stream) per minute:
    `count` first deliveries in `minute` (epoch minute) took up to `bucket_ms`. Each
    worker's delivery flush adds rows; readers sum them, so percentiles need no scan of
    the notifications."""

    __tablename__ = "nc_delivery_latency"

    id: int | None = Field(default=None, primary_key=True)
    minute: int = Field(index=True)
    bucket_ms: int
    count: int


class ApiKey(SQLModel, table=True):
    """A service's credential for sending (keys/service.py). Only the secret's SHA-256 is kept."""

    __tablename__ = "nc_api_keys"

    # Public: the first part of the key string, so a presented key is found by primary key.
    id: str = Field(default_factory=lambda: new_public_id("key"), primary_key=True, max_length=40)
    name: str = Field(max_length=100)
    secret_hash: str = Field(max_length=64)  # hex SHA-256 of the random secret part
    created_by: str | None = Field(default=None, foreign_key="nc_users.id", max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    expires_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    # Written at most once per minute per key (keys/service.py), not on every request.
    last_used_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))


class AuditEvent(SQLModel, table=True):
    """One line of the audit log (audit/service.py): who did what, when, from where."""

    __tablename__ = "nc_audit_events"

    # Increasing: "newest first" and the page cursor are this id.
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    action: str = Field(max_length=32)
    actor_type: str = Field(max_length=16)  # user | key | cli | anonymous
    actor_id: str | None = Field(default=None, max_length=40)
    actor_name: str = Field(default="", max_length=100)  # username, key name, or the name tried
    target: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=500)
    ip: str | None = Field(default=None, max_length=64)


class Category(SQLModel, table=True):
    """A kind of notification that operators define and users set preferences for.

    `critical` ones (e.g. `security`) always alert: users cannot mute them."""

    __tablename__ = "nc_categories"

    slug: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=64)
    description: str = Field(default="", max_length=500)
    critical: bool = Field(default=False)
    # "If unread after N minutes": N for users who chose no delay of their own.
    email_delay_minutes: float = Field(default=15.0, sa_column_kwargs={"server_default": text("15")})
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())


class Preference(SQLModel, table=True):
    """How one user wants one category to alert. No row means the defaults (all on)."""

    __tablename__ = "nc_preferences"

    user_id: str = Field(foreign_key="nc_users.id", primary_key=True, max_length=40)
    category: str = Field(foreign_key="nc_categories.slug", primary_key=True, max_length=32)
    toast: bool = Field(default=True)
    sound: bool = Field(default=True)
    desktop: bool = Field(default=True)
    # Web Push: "always", "offline" (no open stream anywhere) or "never".
    push: str = Field(default="offline", max_length=16, sa_column_kwargs={"server_default": "offline"})
    # Email: "never", "unread" (if still unread after the delay), "digest" or "always";
    # the delay in minutes (None: the category's).
    email: str = Field(default="unread", max_length=16, sa_column_kwargs={"server_default": "unread"})
    email_delay_minutes: float | None = Field(default=None)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())


class PushSubscription(SQLModel, table=True):
    """One browser's Web Push subscription (its `PushSubscription` JSON), owned by one user.

    The endpoint is unique: a browser that subscribes again (or another account signing in
    on it) replaces the row rather than adding one, so one browser never gets a push twice."""

    __tablename__ = "nc_push_subscriptions"

    id: str = Field(default_factory=lambda: new_public_id("push"), primary_key=True, max_length=40)
    user_id: str = Field(foreign_key="nc_users.id", index=True, max_length=40)
    endpoint: str = Field(max_length=1024, unique=True)
    p256dh: str = Field(max_length=128)  # base64url P-256 public key of the browser (65 bytes)
    auth: str = Field(max_length=64)  # base64url 16-byte auth secret
    user_agent: str = Field(default="", max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Delivery(SQLModel, table=True):
    """One notification's delivery on one outside channel (push today): written in the
    send's transaction, drained by the scheduler (scheduling/deliveries.py) with retries.

    `next_attempt_at` is the claim's due time: a claimed row's is pushed a lease ahead, so a
    worker that dies mid-send leaves it to be claimed again later instead of lost."""

    __tablename__ = "nc_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_deliveries_notification_channel"),
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    notification_id: str = Field(max_length=40)
    user_id: str = Field(max_length=40, index=True)
    send_id: str | None = Field(default=None, max_length=40, index=True)
    channel: str = Field(max_length=16)
    # push: "always" or "offline" (then skipped if the user has an open stream when it is
    # drained); email: "always", "unread" (cancelled if read first) or "digest".
    mode: str = Field(default="always", max_length=16)
    status: str = Field(default=DeliveryStatus.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    last_error: str | None = Field(default=None, max_length=500)
    # Subscription ids that accepted it already: a retry only goes to the others.
    done_targets: str = Field(default="", max_length=2000)
    # The first click on what this delivery showed (push: the service worker reports it).
    clicked_at: datetime | None = Field(default=None, sa_column=_tz_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_tz_column())
