"""Host identity tokens (auth/host_tokens.py): what signs a host app's user in, and what never does."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest

from notification_center.auth import host_tokens
from notification_center.auth.host_tokens import HostTokenError, mint, verify

SECRET = "host-shared-secret-of-at-least-32-characters"


def _verify(token: object, **kwargs):
    return verify(token, secret=SECRET, max_age_seconds=600, **kwargs)


def _forge(claims: dict, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def _claims(**extra) -> dict:
    return {"sub": "42", "aud": host_tokens.AUDIENCE, "exp": int(time.time()) + 300, **extra}


def test_a_minted_token_vouches_for_the_user_with_name_and_role() -> None:
    identity = _verify(mint("auth0|5f3a", secret=SECRET, name="Ada Lovelace", role="operator"))
    assert (identity.external_id, identity.display_name, identity.role) == ("auth0|5f3a", "Ada Lovelace", "operator")
    assert _verify(mint("7", secret=SECRET)).role == "user"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: mint("42", secret="another-secret-of-at-least-32-characters!!"), "signature does not match"),
        (lambda: mint("42", secret=SECRET, ttl_seconds=-120), "expired"),
        (lambda: _forge(_claims(aud="some-other-service")), "audience"),
        (lambda: _forge({"sub": "42", "exp": int(time.time()) + 300}), "'aud' is missing"),
        (lambda: _forge({"aud": host_tokens.AUDIENCE, "exp": int(time.time()) + 300}), "'sub' is missing"),
        (lambda: _forge({"sub": "42", "aud": host_tokens.AUDIENCE}), "'exp' is missing"),
        (lambda: mint("42", secret=SECRET, ttl_seconds=86400), "lives too long"),
        (lambda: _forge(_claims(role="admin")), "role must be"),
        (lambda: _forge(_claims(sub="")), "sub must be"),
        (lambda: _forge(_claims(sub="x" * 129)), "sub must be"),
        (lambda: _forge(_claims(sub="a\nb")), "sub must be"),
        (lambda: _forge(_claims(name="n" * 65)), "name must be"),
        (lambda: _forge(_claims(sub=42)), "not a valid"),
        (lambda: _forge(_claims(), algorithm="HS512"), "not a valid"),
        (lambda: jwt.encode(_claims(), None, algorithm="none"), "not a valid"),  # unsigned: never accepted
        (lambda: "not.a.jwt", "not a valid"),
        (lambda: "", "must be a JWT string"),
        (lambda: None, "must be a JWT string"),
    ],
)
def test_a_token_that_is_wrong_in_any_way_is_refused_with_its_reason(make: Callable[[], object], reason: str) -> None:
    # Made when the test runs, not at collection: a token made then may have expired since.
    with pytest.raises(HostTokenError, match=reason):
        _verify(make())


def test_a_sign_out_token_never_signs_in_and_a_sign_in_token_never_signs_out() -> None:
    sign_out = mint("42", secret=SECRET, use=host_tokens.SIGN_OUT)
    assert _verify(sign_out, use=host_tokens.SIGN_OUT).external_id == "42"
    with pytest.raises(HostTokenError, match="made for 'sign-out'"):
        _verify(sign_out)
    with pytest.raises(HostTokenError, match="made for 'signing in'"):
        _verify(mint("42", secret=SECRET), use=host_tokens.SIGN_OUT)


def test_a_little_clock_difference_is_tolerated() -> None:
    # The host's clock ahead by 10 s: its fresh token looks expired 10 s ago here.
    assert _verify(mint("42", secret=SECRET, ttl_seconds=-10)).external_id == "42"
    with pytest.raises(HostTokenError, match="expired"):
        _verify(mint("42", secret=SECRET, ttl_seconds=-(host_tokens.LEEWAY_SECONDS + 5)))
