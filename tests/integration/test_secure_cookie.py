"""Behind HTTPS (NC_COOKIE_SECURE) the session cookie is `__Host-nc_session`: the browser
then accepts it only with Secure, Path=/ and no Domain, so a sibling subdomain or a
plain-HTTP attacker cannot plant or overwrite it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import APP_ENV
from tests.support.api_server import ApiServer


@pytest.fixture(scope="module")
def https_app(tmp_root: Path) -> Iterator[ApiServer]:
    server = ApiServer(tmp_root / "secure-cookie", {**APP_ENV, "NC_COOKIE_SECURE": "1"}).start()
    yield server
    server.stop()


def test_session_cookie_takes_the_host_prefix_when_secure(https_app: ApiServer) -> None:
    https_app.create_user("hosted", "hosted-password-1")
    login = httpx.post(https_app.url + "/api/auth/login", json={"username": "hosted", "password": "hosted-password-1"})
    assert login.status_code == 200
    set_cookie = login.headers["set-cookie"]
    assert set_cookie.startswith("__Host-nc_session=")
    attributes = [part.strip().lower() for part in set_cookie.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert not any(part.startswith("domain") for part in attributes)
    value = set_cookie.split(";")[0].split("=", 1)[1]

    # Only the prefixed name authenticates; the plain one (which anyone could set) does not.
    me = httpx.get(https_app.url + "/api/auth/me", headers={"cookie": f"__Host-nc_session={value}"})
    assert me.status_code == 200 and me.json()["username"] == "hosted"
    plain = httpx.get(https_app.url + "/api/auth/me", headers={"cookie": f"nc_session={value}"})
    assert plain.status_code == 401

    logout = httpx.post(https_app.url + "/api/auth/logout", headers={"cookie": f"__Host-nc_session={value}"}, json={})
    assert logout.status_code == 200
    cleared = logout.headers["set-cookie"].lower()
    assert cleared.startswith("__host-nc_session=") and "secure" in cleared
    assert (
        httpx.get(https_app.url + "/api/auth/me", headers={"cookie": f"__Host-nc_session={value}"}).status_code == 401
    )
