"""Host identity: the host app's backend vouches for its signed-in user with a short-lived token.

The way hosted inboxes do it (Knock's signed user token, Mercure's subscriber JWT): the host
signs a JWT (HS256, PyJWT) with a secret it shares with the notification center
(`NC_HOST_TOKEN_SECRET`), the page hands it to `POST /api/auth/host`, and the notification
center signs that user in (creating them on first sight, keyed by the host's id) without a
second password. A JWT because every host language has a library for it.

Claims: `sub` (the host's user id, required), `exp` (required, at most
`NC_HOST_TOKEN_MAX_AGE_SECONDS` ahead, so a leaked token is short-lived), `aud` =
"notification-center" (a token made for something else is refused), and optionally `name`
(display name) and `role` ("user" or "operator"). A token with `"use": "sign-out"` is the
host backend telling that its user signed out (`POST /api/auth/host/sign-out`); it never
signs anyone in, and a sign-in token never signs anyone out. Pure: no database here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from notification_center.models import Role

AUDIENCE = "notification-center"
ALGORITHM = "HS256"
LEEWAY_SECONDS = 30  # clocks of the host and of this server may differ a little
SUB_MAX = 128  # users.external_id
SIGN_OUT = "sign-out"
NAME_MAX = 64  # users.display_name
ROLES = frozenset({Role.USER.value, Role.OPERATOR.value})


class HostTokenError(ValueError):
    """The token cannot sign anyone in; the message says why (the 401's `error`)."""


@dataclass(frozen=True)
class HostIdentity:
    external_id: str
    display_name: str | None
    role: str


def mint(
    user_id: str,
    *,
    secret: str,
    name: str | None = None,
    role: str = Role.USER.value,
    ttl_seconds: int = 300,
    use: str | None = None,
) -> str:
    """A token for `user_id`, as the host's backend makes it (in Python; any JWT library will do)."""
    now = int(time.time())
    claims: dict[str, object] = {"sub": user_id, "aud": AUDIENCE, "iat": now, "exp": now + ttl_seconds, "role": role}
    if name is not None:
        claims["name"] = name
    if use is not None:
        claims["use"] = use
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def check_subject(sub: object) -> None:
    """A host user id is 1-128 printable characters (the `sub` claim, `users.external_id`)."""
    if not isinstance(sub, str) or not sub.strip() or len(sub) > SUB_MAX or not sub.isprintable():
        raise HostTokenError(f"token: sub must be the host's user id, 1-{SUB_MAX} printable characters")


def check_role(role: object) -> None:
    if role not in ROLES:
        raise HostTokenError("token: role must be 'user' or 'operator'")


def verify(
    token: object, *, secret: str, max_age_seconds: int, use: str | None = None, now: float | None = None
) -> HostIdentity:
    """The identity the token vouches for, or HostTokenError naming what is wrong with it.
    `use`: what the token must be for (None: signing in; SIGN_OUT: signing out)."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise HostTokenError("token: must be a JWT string")
    moment = time.time() if now is None else now
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # never "none", never what the token's header asks for
            audience=AUDIENCE,
            leeway=LEEWAY_SECONDS,
            options={"require": ["sub", "exp", "aud"], "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        raise HostTokenError("token: expired; the host must make a new one") from None
    except jwt.InvalidAudienceError:
        raise HostTokenError(f"token: its audience (aud) must be {AUDIENCE!r}") from None
    except jwt.MissingRequiredClaimError as exc:
        raise HostTokenError(f"token: the claim {exc.claim!r} is missing") from None
    except jwt.InvalidSignatureError:
        raise HostTokenError("token: the signature does not match NC_HOST_TOKEN_SECRET") from None
    except jwt.InvalidTokenError as exc:
        raise HostTokenError(f"token: not a valid HS256 JWT ({exc})") from None
    if claims["exp"] > moment + max_age_seconds + LEEWAY_SECONDS:
        raise HostTokenError(f"token: lives too long (exp at most {max_age_seconds} s ahead)")
    if claims.get("use") != use:
        wanted = f"'use': {use!r}" if use else "no 'use' claim"
        raise HostTokenError(f"token: made for {claims.get('use') or 'signing in'!r}; this route wants {wanted}")
    sub, name, role = claims["sub"], claims.get("name"), claims.get("role", Role.USER.value)
    check_subject(sub)
    if name is not None and (not isinstance(name, str) or len(name) > NAME_MAX or not name.isprintable()):
        raise HostTokenError(f"token: name must be text of at most {NAME_MAX} printable characters")
    check_role(role)
    return HostIdentity(sub, name.strip() or None if name else None, role)
