"""Schemathesis against the running API: no input gives a 5xx, every answer matches the schema.

Cases are generated from the OpenAPI document (positive and negative ones) and sent to a
dedicated app server, signed in as a user and as an operator. The stream is left out (it
never ends; tests/integration/test_stream_cursor_fuzz.py fuzzes its cursor), and logout is
sent without the session cookie so it cannot revoke the fuzzing session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from notification_center.api import api_routes
from notification_center.api.openapi import build_document
from tests.support.processes import AppServer

pytestmark = pytest.mark.slow

# Not `positive_data_acceptance`: a schema-valid body may still be refused by design (an
# unknown recipient, a wrong password, a NUL character no database column can hold).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
]
ROLES = ("user", "operator")


@pytest.fixture(scope="module")
def fuzz_server(tmp_root: Path) -> Iterator[AppServer]:
    # The whole app as `make run` serves it (Reflex behind the API), not the shared one:
    # sends to "all" would reach the other tests' users.
    server = AppServer(tmp_root / "fuzz").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def session_cookies(fuzz_server: AppServer) -> dict[str, dict[str, str]]:
    """A signed-in session per role; each role also has a notification, so reads find one."""
    cookies = {}
    for role in ROLES:
        fuzz_server.create_user(f"fuzz-{role}", "fuzz-password-123", role)
        client = fuzz_server.login(f"fuzz-{role}", "fuzz-password-123")
        cookies[role] = dict(client.cookies)
        client.close()
    sent = httpx.post(
        fuzz_server.url + "/api/notifications", cookies=cookies["operator"], json={"title": "x", "recipients": "all"}
    )
    assert sent.status_code == 201, sent.text
    return cookies


# The document the app builds from its routes (the same one it serves: see the test at the end).
schema = (
    schemathesis.openapi.from_dict(build_document(api_routes()))
    .exclude(path="/api/notifications/stream")
    .exclude(path="/api/notifications/ws")  # an upgrade: plain requests only ever get 426
)
bounded = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _call(case, cookies: dict[str, str], url: str) -> None:
    # No session cookie when the case is about a missing or bad one (a negative case), and
    # none to logout (and any logout-everywhere): it would revoke the fuzzing session itself.
    without = case.path.startswith("/api/auth/logout") or case.operation.schema.is_security_param_negated(case)
    sent = {} if without else cookies
    case.call_and_validate(base_url=url, cookies=sent, checks=CHECKS)


@schema.parametrize()
@bounded
def test_no_request_as_a_user_breaks_the_api_or_its_schema(case, session_cookies, fuzz_server):
    _call(case, session_cookies["user"], fuzz_server.url)


@schema.parametrize()
@bounded
def test_no_request_as_an_operator_breaks_the_api_or_its_schema(case, session_cookies, fuzz_server):
    _call(case, session_cookies["operator"], fuzz_server.url)


def test_the_fuzzed_document_is_the_one_the_server_serves(fuzz_server):
    assert httpx.get(fuzz_server.url + "/api/openapi.json").json() == build_document(api_routes())
