"""Validation of what operators send (pydantic), with messages that name the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from notification_center.models import NotificationType, Priority
from notification_center.notifications.links import ACTION_ID_PATTERN, MAX_ACTIONS, URL_MAX, url_problem

TITLE_MAX = 200
# How far ahead a time may be set (sendAt, a snooze): further is almost surely a typo.
MAX_AHEAD = timedelta(days=365)
CONTENT_MAX = 5000
TTL_MAX_SECONDS = 366 * 86_400

# What the validators below enforce, told to the JSON schema too (OpenAPI document, fuzzing),
# while the validators keep their own messages: at least one character that is not a space.
_NOT_BLANK = {"pattern": r"\S"}
Username = Annotated[str, Field(json_schema_extra=_NOT_BLANK)]


CATEGORY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
GROUP_KEY_MAX = 128
ACTION_LABEL_MAX = 40
# Told to the JSON schema (so fuzzing sends mostly plausible links); `url_problem` decides.
_URL_SCHEMA = {"pattern": r"^(https?://[^\s\\]+|/([^/\\\s][^\s\\]*)?)$"}


def _check_url(value: str | None) -> str | None:
    if value is not None and (problem := url_problem(value)) is not None:
        raise ValueError(problem)
    return value


class ActionRequest(BaseModel):
    """An action button: a label, and a link or nothing (then choosing it is only recorded)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=f"^{ACTION_ID_PATTERN}$", description="reported back as `actionTaken`")
    label: str = Field(min_length=1, max_length=ACTION_LABEL_MAX, json_schema_extra=_NOT_BLANK)
    url: str | None = Field(default=None, max_length=URL_MAX, json_schema_extra=_URL_SCHEMA)

    @field_validator("label")
    @classmethod
    def _label_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("url")
    @classmethod
    def _safe_url(cls, value: str | None) -> str | None:
        return _check_url(value)


class SendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    title: str = Field(min_length=1, max_length=TITLE_MAX, json_schema_extra=_NOT_BLANK)
    content: str = Field(default="", max_length=CONTENT_MAX)
    type: NotificationType = NotificationType.INFO
    priority: Priority = Priority.NORMAL
    recipients: Annotated[list[Username], Field(json_schema_extra={"minItems": 1})] | Literal["all"]
    category: str = Field(default="general", pattern=CATEGORY_PATTERN, description="a defined category's slug")
    url: str | None = Field(
        default=None,
        max_length=URL_MAX,
        json_schema_extra=_URL_SCHEMA,
        description="opened when the title is clicked: http(s) or a path on this site",
    )
    actions: list[ActionRequest] | None = Field(default=None, max_length=MAX_ACTIONS, description="up to two buttons")
    groupKey: str | None = Field(
        default=None,
        min_length=1,
        max_length=GROUP_KEY_MAX,
        description=(
            "sends with one key from one sender (operator, API key), in one category, to one user within"
            " NC_GROUP_WINDOW_SECONDS update one inbox row"
        ),
    )
    sendAt: AwareDatetime | None = Field(
        default=None,
        description="send later, at this time (with a time zone; within a year); answered 202 with a `scheduledId`",
    )
    expiresAt: AwareDatetime | None = Field(
        default=None, description="from this time on the notification is gone from lists, counts and replay"
    )
    ttlSeconds: int | None = Field(
        default=None,
        ge=1,
        le=TTL_MAX_SECONDS,
        description="instead of `expiresAt`: expire this many seconds after it is sent",
    )

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("url")
    @classmethod
    def _safe_url(cls, value: str | None) -> str | None:
        return _check_url(value)

    @field_validator("actions")
    @classmethod
    def _distinct_action_ids(cls, value: list[ActionRequest] | None) -> list[ActionRequest] | None:
        if value is not None and len({a.id for a in value}) != len(value):
            raise ValueError("action ids must differ")
        return value

    @field_validator("sendAt")
    @classmethod
    def _send_at_ahead(cls, value: datetime | None) -> datetime | None:
        return None if value is None else check_future(value)

    @field_validator("expiresAt")
    @classmethod
    def _expires_ahead(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        now = datetime.now(UTC)
        if value <= now:
            raise ValueError("must be in the future")
        send_at = info.data.get("sendAt")
        if send_at is not None and value <= send_at:
            raise ValueError("must be after sendAt")
        # The same reach as ttlSeconds; it also keeps astimezone() from overflowing.
        if value > (send_at or now) + timedelta(seconds=TTL_MAX_SECONDS):
            raise ValueError("must be at most 366 days after sendAt (or now)")
        return value.astimezone(UTC)

    @field_validator("ttlSeconds")
    @classmethod
    def _one_expiry(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("expiresAt") is not None:
            raise ValueError("give expiresAt or ttlSeconds, not both")
        return value

    @field_validator("recipients")
    @classmethod
    def _recipients_not_empty(cls, value: list[str] | str) -> list[str] | str:
        if isinstance(value, list):
            if not value:
                raise ValueError('must name at least one username, or be "all"')
            if any(not isinstance(v, str) or not v.strip() for v in value):
                raise ValueError("usernames must be non-empty strings")
        return value


def check_future(value: datetime, now: datetime | None = None) -> datetime:
    """A time ahead of now and at most `MAX_AHEAD` away, as UTC; ValueError otherwise."""
    now = now or datetime.now(UTC)
    if value <= now:
        raise ValueError("must be in the future")
    if value > now + MAX_AHEAD:
        raise ValueError("must be at most one year ahead")
    return value.astimezone(UTC)


def describe_errors(error: ValidationError) -> tuple[str, list[dict[str, str]]]:
    """A one-line message naming the first bad field, and every problem in detail."""
    details = []
    for err in error.errors():
        field = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "body"
        field = field.split(".")[0] if field.startswith(("recipients", "actions")) else field
        details.append({"field": field, "message": err["msg"]})
    first = details[0]
    return f"{first['field']}: {first['message']}", details
