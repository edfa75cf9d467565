"""What a page load does in a host app with `identify` (state/host_session.py)."""

from __future__ import annotations

import jwt
import pytest

from notification_center import host
from notification_center.auth import host_tokens
from notification_center.state import host_session
from notification_center.state.auth_state import SignedInUser


@pytest.fixture
def host_user(monkeypatch):
    """Who the host says is signed in (set `.value`); `identify` installed for the test."""

    class Box:
        value: host.HostUser | None = None

    box = Box()

    async def identify(state):
        return box.value

    host.configure(identify=identify, login_route=None)
    yield box
    host.configure(identify=None, login_route=None)


@pytest.fixture(autouse=True)
def scripts(monkeypatch) -> list[tuple[str, dict]]:
    """The scripts the page is told to run, with their values (not yet JavaScript)."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        host_session.browser_events, "script", lambda template, **values: sent.append((template, values)) or template
    )
    return sent


async def test_nobody_anywhere_does_nothing(host_user) -> None:
    assert await host_session.reconcile(object(), None) is None


async def test_the_same_user_as_the_session_does_nothing(host_user) -> None:
    host_user.value = host.HostUser(id="h-42", name="Hana")
    assert await host_session.reconcile(object(), SignedInUser("u1", "h-42", "user", "h-42")) is None


@pytest.mark.parametrize("session", [None, SignedInUser("u1", "olga", "user", "other-host-id")])
async def test_a_host_user_not_signed_in_here_gets_a_token_for_themselves(host_user, scripts, session) -> None:
    host_user.value = host.HostUser(id="h-42", name="Hana", role="operator")
    script = await host_session.reconcile(object(), session)
    assert "/api/auth/host" in script and "location.reload" in script
    token = scripts[-1][1]["token"]
    identity = host_tokens.verify(token, secret=host.signing_secret(), max_age_seconds=600)
    assert identity == host_tokens.HostIdentity("h-42", "Hana", "operator")
    assert (
        jwt.decode(token, options={"verify_signature": False})["exp"]
        - jwt.decode(token, options={"verify_signature": False})["iat"]
        == host_session.TOKEN_TTL_SECONDS
    )


async def test_nobody_signed_in_to_the_host_ends_the_session_here(host_user) -> None:
    script = await host_session.reconcile(object(), SignedInUser("u1", "h-42", "user", "h-42"))
    assert "/api/auth/logout" in script


def test_without_identify_or_secret_host_sign_in_is_off() -> None:
    host.configure(identify=None, login_route=None)
    assert host.signing_secret() is None  # the unit settings set no NC_HOST_TOKEN_SECRET


@pytest.mark.parametrize(
    "bad", [host.HostUser(id=""), host.HostUser(id="x" * 129), host.HostUser(id="h-1", role="admin")]
)
async def test_a_user_the_host_names_wrongly_is_logged_and_not_signed_in(host_user, scripts, bad, caplog) -> None:
    host_user.value = bad
    assert await host_session.reconcile(object(), None) is None
    assert scripts == [] and "identify() returned a user" in caplog.text
