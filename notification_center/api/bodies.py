"""The JSON bodies of the HTTP API as pydantic models: what the OpenAPI document describes.

Requests are validated with these (and `notifications.schemas.SendRequest`); responses are
built as plain dicts on the hot paths and checked against these models by the schema fuzz
test (tests/integration/test_api_fuzz.py), so neither side can drift unnoticed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from notification_center.models import NotificationType, Priority, Role, Status
from notification_center.notifications.schemas import check_future
from notification_center.preferences.rules import MAX_EMAIL_DELAY_MINUTES


class ErrorBody(BaseModel):
    """Every 4xx/5xx JSON answer: a message, and the offending field when there is one."""

    error: str = Field(description="what went wrong, naming the problem")
    field: str | None = Field(default=None, description="the request part at fault (body field or parameter)")
    details: list[dict[str, str]] | None = Field(default=None, description="every validation problem (422)")
    unknown: list[str] | None = Field(default=None, description="unknown recipient usernames (422)")
    retryAfter: int | None = Field(
        default=None,
        description="seconds until sign-in may be tried again (429), or the database is worth retrying (503)",
    )
    limit: int | None = Field(default=None, description="the per-user stream limit that was reached (429)")
    state: str | None = Field(default=None, description="the state that refused the change (409)")


class LoginRequest(BaseModel):
    # strict: a number is not a username; unknown fields are ignored
    model_config = ConfigDict(strict=True)

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class HostSignInRequest(BaseModel):
    model_config = ConfigDict(strict=True)

    token: str = Field(
        min_length=1, max_length=4096, description="a JWT (HS256) the host app signed with NC_HOST_TOKEN_SECRET"
    )


class UserBody(BaseModel):
    id: str
    username: str
    role: Role


class MeBody(UserBody):
    email: str | None = Field(description="the address on file: the one awaiting confirmation, else the confirmed one")
    emailVerified: bool = Field(description="whether `email` is confirmed (only confirmed addresses get mail)")
    emailPending: str | None = Field(description="an address waiting for its confirmation link to be opened")


class LogoutBody(BaseModel):
    ok: Literal[True]


class LogoutAllBody(BaseModel):
    ok: Literal[True]
    revoked: int = Field(ge=0, description="how many sessions were revoked, this one included")


class NotificationAction(BaseModel):
    """An action button of a notification."""

    id: str
    label: str
    url: str | None = None


class NotificationBody(BaseModel):
    """A notification on the wire (CONTRACT section 5)."""

    id: str
    userId: str
    type: NotificationType
    priority: Priority
    title: str
    content: str
    channels: list[str]
    status: Status
    createdAt: datetime
    updatedAt: datetime
    readAt: datetime | None
    # CONTRACT section 9: the inbox lifecycle, categories, actions and grouping.
    seenAt: datetime | None = None
    archivedAt: datetime | None = None
    snoozedUntil: datetime | None = None
    expiresAt: datetime | None = None
    category: str = "general"
    url: str | None = None
    actions: list[NotificationAction] | None = None
    actionTaken: str | None = None
    groupKey: str | None = None
    groupCount: int = Field(default=1, ge=1)


class NotificationPage(BaseModel):
    items: list[NotificationBody] = Field(description="newest first")
    unreadCount: int = Field(ge=0, description="the user's total unread in the inbox, whatever the filters")
    unseenCount: int = Field(ge=0, description="the user's total unseen in the inbox, whatever the filters")
    nextCursor: str | None = Field(description="pass as `before` for the next page; null on the last")


class SendResult(BaseModel):
    count: int = Field(ge=0)
    ids: list[str]


class SnoozeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: AwareDatetime = Field(description="when it comes back (with a time zone; ahead of now, within a year)")

    @field_validator("until")
    @classmethod
    def _ahead(cls, value: datetime) -> datetime:
        return check_future(value)


class AcceptedResult(BaseModel):
    """A send to a big audience, accepted: its rows are written in batches in the background."""

    sendId: str = Field(description="the send in the history (GET /api/history/{sendId}): `written` of `recipients`")
    count: int = Field(description="how many recipients it will reach")


class ScheduledResult(BaseModel):
    scheduledId: str = Field(description="cancel with DELETE /api/scheduled/{id}")
    sendAt: datetime = Field(description="when it will be sent (UTC)")


class ScheduledSendBody(BaseModel):
    """A scheduled send (GET /api/scheduled)."""

    id: str
    sendAt: datetime
    status: Literal["pending", "sent", "cancelled", "failed"]
    createdAt: datetime
    createdBy: str = Field(description="the operator's username")
    title: str
    content: str
    type: NotificationType
    priority: Priority
    recipients: list[str] | Literal["all"]


class ScheduledList(BaseModel):
    items: list[ScheduledSendBody] = Field(description="pending sends, soonest first")
    total: int = Field(ge=0, description="how many are pending in all")


class ReadAllResult(BaseModel):
    updated: int = Field(ge=0, description="how many this call marked read")


class StatsBody(BaseModel):
    totalClients: int = Field(ge=0)
    connectedUserIds: list[str]
    userClientCounts: dict[str, int]


class HealthBody(BaseModel):
    status: Literal["ok", "degraded"]
    db: Literal["ok", "error"]
    redis: Literal["ok", "disabled", "error"]


LifecycleAction = Literal["read", "unread", "seen", "archive", "unarchive", "delete"]


class BulkFilter(BaseModel):
    """The list's filters (GET /api/notifications): the view, and which rows of it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    unread: bool = Field(default=False, description="only unread ones")
    unseen: bool = Field(default=False, description="only unseen ones")
    archived: bool = Field(default=False, description="the Archived view instead of the inbox")
    category: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="only this category")
    before: str | None = Field(default=None, pattern=r"^[0-9]{1,18}$", description="only rows older than this cursor")
    read: bool = Field(default=False, description='only read ones (for "archive all read"; not a list filter)')


class BulkRequest(BaseModel):
    """One action on many notifications: by `ids`, or on every row a list `filter` matches."""

    model_config = ConfigDict(extra="forbid", strict=True)

    action: LifecycleAction
    ids: list[str] | None = Field(default=None, max_length=500, description="exactly one of ids and filter")
    filter: BulkFilter | None = Field(default=None, description="exactly one of ids and filter")


class BulkResult(BaseModel):
    updated: int = Field(ge=0, description="how many rows this call changed")
    undoToken: str | None = Field(description="reverts this action within the undo window; null if nothing changed")


class UndoRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    undoToken: str = Field(min_length=1, max_length=200)


class UndoResult(BaseModel):
    updated: int = Field(ge=0, description="how many rows got their previous values back")


class DeleteResult(BaseModel):
    id: str
    deleted: Literal[True]


class SenderBody(BaseModel):
    kind: Literal["user", "key", "system"]
    id: str | None = Field(description="the user's or key's id; null for the system")
    label: str = Field(description="the username, the key's name, or `system`")


class ChannelFigures(BaseModel):
    pending: int = Field(ge=0)
    sent: int = Field(ge=0)
    failed: int = Field(ge=0)
    skipped: int = Field(ge=0, description="not needed (push when offline: the user had a stream open)")
    cancelled: int = Field(ge=0)
    clicked: int = Field(ge=0, description="pushes clicked (the service worker reports it)")


class HistorySend(BaseModel):
    id: str
    sender: SenderBody
    createdAt: datetime
    title: str
    type: NotificationType
    recipients: int = Field(ge=0)
    state: Literal["sending", "sent"] = Field(
        description="`sending` while a send to a big audience is still being written in the background"
    )
    written: int = Field(ge=0, description="recipients whose notification is written (all of them once `sent`)")
    delivered: int = Field(ge=0, description="recipients whose notification reached an open stream (live or replayed)")
    seen: int = Field(ge=0)
    read: int = Field(ge=0)
    channels: dict[str, ChannelFigures] = Field(
        default_factory=dict,
        description="per outside channel (`push`, `email`): delivery rows by status (pending = queued, sent, "
        "failed, skipped, cancelled: e.g. an 'unread' mail cancelled because it was read in the app), and clicks",
    )


class HistoryPage(BaseModel):
    items: list[HistorySend] = Field(description="newest first")
    nextCursor: str | None = Field(description="pass as `before` for the next page; null on the last")


class ChannelDelivery(BaseModel):
    status: Literal["pending", "sent", "failed", "skipped", "cancelled"]
    attempts: int
    lastError: str | None
    clickedAt: datetime | None = Field(default=None, description="when the push was first clicked")


class HistoryRecipient(BaseModel):
    username: str
    deliveredAt: datetime | None
    seenAt: datetime | None
    readAt: datetime | None
    channels: dict[str, ChannelDelivery] = Field(
        default_factory=dict,
        description="per outside channel (`push`, `email`): its delivery status; absent if not used",
    )


class HistoryDetail(BaseModel):
    send: HistorySend
    recipients: list[HistoryRecipient] = Field(description="by username")
    nextCursor: str | None = Field(description="pass as `after` for the next recipients; null on the last")


class KeyCreateRequest(BaseModel):
    """POST /api/keys. Unknown fields are ignored."""

    # strict: a number is not a name (the date-time stays lax: JSON has only strings for it)
    name: str = Field(
        strict=True, min_length=1, max_length=100, description="what the key is for, e.g. the service's name"
    )
    expiresAt: AwareDatetime | None = Field(
        default=None, description="when the key stops working (with a time zone); null: never"
    )


class KeyBody(BaseModel):
    """An API key as listed: never its secret."""

    id: str
    name: str
    prefix: str = Field(description="how the key string starts (`nck_<id>_`), to recognise it")
    state: Literal["active", "expired", "revoked"]
    createdAt: datetime
    expiresAt: datetime | None
    revokedAt: datetime | None
    lastUsedAt: datetime | None = Field(description="last authenticated use, to the minute")


class CreatedKeyBody(KeyBody):
    secret: str = Field(description="the whole key, for `Authorization: Bearer`; shown this once only")


class KeyList(BaseModel):
    items: list[KeyBody] = Field(description="newest first")


class AuditEventBody(BaseModel):
    id: int
    at: datetime
    action: Literal[
        "sign_in",
        "sign_in_failed",
        "key_created",
        "key_revoked",
        "notification_sent",
        "send_scheduled",
        "send_cancelled",
        "category_created",
        "category_changed",
    ]
    actorType: Literal["user", "key", "cli", "anonymous"]
    actorId: str | None = Field(description="user id or key id")
    actor: str = Field(description="username, key name, or (failed sign-in) the username tried")
    target: str = Field(description="what was acted on: a key, a notification's title")
    detail: str
    ip: str | None = Field(description="the client address (see REFLEX_TRUSTED_PROXY_HOPS)")


class AuditPageBody(BaseModel):
    items: list[AuditEventBody] = Field(description="newest first")
    nextCursor: str | None = Field(description="pass as `before` for the next page; null on the last")


# -- categories, preferences, actions (issue 11) ------------------------------------------
_SLUG = r"^[a-z0-9][a-z0-9_-]{0,31}$"


class CategoryBody(BaseModel):
    slug: str = Field(pattern=_SLUG)
    name: str
    description: str
    critical: bool = Field(description="always alerts: users cannot mute it")
    emailDelayMinutes: float = Field(description="email 'if unread after N minutes': N for users who chose none")


class CategoryList(BaseModel):
    categories: list[CategoryBody] = Field(description="`general` first, then by name")


class CategoryRequest(BaseModel):
    """Create or update a category (operators)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    slug: str = Field(pattern=_SLUG, description="the `category` of a send")
    name: str = Field(min_length=1, max_length=64, pattern=r"\S")
    description: str = Field(default="", max_length=500)
    critical: bool = Field(default=False, description="users cannot mute it (`security` always is)")
    emailDelayMinutes: float | None = Field(
        default=None, ge=0, le=MAX_EMAIL_DELAY_MINUTES, description="the default email delay (15 when created without)"
    )


PushMode = Literal["always", "offline", "never"]
EmailMode = Literal["never", "unread", "digest", "always"]


class AlertPreference(BaseModel):
    toast: bool
    sound: bool
    desktop: bool
    push: PushMode = Field(description="Web Push: always, offline (no open stream anywhere), or never")
    email: EmailMode = Field(
        description="email: never, unread (only if still unread after emailDelayMinutes), digest, or always"
    )
    emailDelayMinutes: float = Field(description="the 'unread' delay in minutes (the category's default if unset)")


class AlertPreferenceChange(BaseModel):
    """What to change for one category; an absent or null kind keeps its value."""

    model_config = ConfigDict(extra="forbid", strict=True)

    toast: bool | None = None
    sound: bool | None = None
    desktop: bool | None = None
    push: PushMode | None = Field(default=None, description="critical categories cannot be set to never")
    email: EmailMode | None = Field(default=None, description="critical categories always send email")
    emailDelayMinutes: float | None = Field(
        default=None, ge=0, le=MAX_EMAIL_DELAY_MINUTES, description="minutes (fractions allowed), 0 to a week"
    )


class PreferencesBody(BaseModel):
    categories: list[CategoryBody]
    preferences: dict[str, AlertPreference] = Field(description="every category's slug -> how it alerts")


class PreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferences: dict[Annotated[str, Field(pattern=_SLUG)], AlertPreferenceChange] = Field(
        description="category slug -> the kinds to change; critical categories cannot be turned off"
    )


class ActionChoice(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    actionId: str = Field(min_length=1, max_length=64, description="the `id` of one of the notification's actions")
