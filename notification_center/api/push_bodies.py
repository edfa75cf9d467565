"""Request and answer bodies of the Web Push routes (api/push_routes.py), for validation
and the OpenAPI document. The subscription is the browser's `PushSubscription.toJSON()`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_B64URL = r"^[A-Za-z0-9_-]+={0,2}$"


class PushKey(BaseModel):
    publicKey: str = Field(description="the VAPID public key (base64url, 65 bytes): `applicationServerKey`")


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    p256dh: str = Field(min_length=1, max_length=128, pattern=_B64URL, description="the browser's P-256 key")
    auth: str = Field(min_length=1, max_length=64, pattern=_B64URL, description="the 16-byte auth secret")


class PushSubscriptionRequest(BaseModel):
    """What `PushSubscription.toJSON()` gives in a browser."""

    model_config = ConfigDict(extra="forbid", strict=True)

    endpoint: str = Field(min_length=1, max_length=1024, description="the push service URL (https only)")
    expirationTime: float | None = Field(default=None, description="as the browser reports it; not used")
    keys: PushKeys


class PushSubscriptionBody(BaseModel):
    id: str
    endpoint: str
    userAgent: str = Field(description="the User-Agent that subscribed (to tell browsers apart)")
    createdAt: str
    updatedAt: str


class PushSubscriptionList(BaseModel):
    items: list[PushSubscriptionBody] = Field(description="this user's subscribed browsers, oldest first")


class PushClickRequest(BaseModel):
    """What the service worker reports when a push is clicked."""

    model_config = ConfigDict(extra="forbid", strict=True)

    notificationId: str = Field(min_length=1, max_length=40, description="the `id` the push carried")
