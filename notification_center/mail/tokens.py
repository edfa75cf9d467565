"""Signed tokens in mail links, one purpose each (itsdangerous, keyed by NC_SECRET_KEY; the salt
is the purpose, so a token made for one can never be used for the other):

- confirm: `{"u": user id, "e": address}`, expires after NC_EMAIL_CONFIRM_TTL_SECONDS;
- unsubscribe: `{"u": user id, "c": [category slugs]}`, no expiry (a mail may be old when
  its List-Unsubscribe is used; RFC 8058 asks it to keep working).
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from notification_center.settings import get_settings

CONFIRM = "nc-email-confirm"
UNSUBSCRIBE = "nc-email-unsubscribe"
MAX_TOKEN_LENGTH = 2000


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=purpose)


def confirm_token(user_id: str, address: str) -> str:
    return _serializer(CONFIRM).dumps({"u": user_id, "e": address})


def read_confirm_token(token: str) -> tuple[str, str] | None:
    """(user id, address), or None for a forged, expired or malformed token."""
    data = _load(CONFIRM, token, get_settings().email_confirm_ttl_seconds)
    if isinstance(data, dict) and isinstance(data.get("u"), str) and isinstance(data.get("e"), str):
        return data["u"], data["e"]
    return None


def unsubscribe_token(user_id: str, categories: list[str]) -> str:
    return _serializer(UNSUBSCRIBE).dumps({"u": user_id, "c": sorted(set(categories))})


def read_unsubscribe_token(token: str) -> tuple[str, list[str]] | None:
    data = _load(UNSUBSCRIBE, token, None)
    if (
        isinstance(data, dict)
        and isinstance(data.get("u"), str)
        and isinstance(data.get("c"), list)
        and data["c"]
        and all(isinstance(c, str) for c in data["c"])
    ):
        return data["u"], data["c"]
    return None


def _load(purpose: str, token: str, max_age: int | None) -> Any:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, UnicodeError, ValueError):  # SignatureExpired is a BadSignature
        return None
