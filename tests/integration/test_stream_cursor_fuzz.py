"""Generated Last-Event-ID / lastEventId values against the running stream.

Whatever the value, the stream opens (never a 500), and its `connected` event says
`resumed: true` exactly when the value is a cursor (1-18 ASCII digits) at or below the
user's latest one; its `id:` is then that cursor, else the latest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.api_server import ApiServer

LATEST = 5  # notifications sent to the user: cursors 1..5
bounded = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

near_cursors = st.integers(min_value=0, max_value=LATEST * 2).map(str)
big_numbers = st.integers(min_value=0, max_value=10**20).map(str)
# What an HTTP client can put in a header value: visible ASCII, no surrounding spaces.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1).filter(
    lambda v: v == v.strip()
)
query_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1)


@pytest.fixture(scope="module")
def stream_client(tmp_root: Path) -> Iterator[httpx.Client]:
    # Streams are opened one after another; a high per-user limit keeps a stream the
    # server has not yet seen closed from turning the next one into a 429.
    server = ApiServer(tmp_root / "cursor-fuzz", {"NC_MAX_CONNECTIONS_PER_USER": "1000"}).start()
    server.create_user("cursor-op", "cursor-password-1", "operator")
    client = server.login("cursor-op", "cursor-password-1")
    for i in range(LATEST):
        sent = client.post("/api/notifications", json={"title": f"n{i}", "recipients": ["cursor-op"]})
        assert sent.status_code == 201, sent.text
    yield client
    client.close()
    server.stop()


def _connected(client: httpx.Client, **request: Any) -> tuple[bool, str]:
    """Open the stream, read its first event (`connected`): (resumed, its id)."""
    with client.stream("GET", "/api/notifications/stream", timeout=10, **request) as response:
        assert response.status_code == 200, response.read()
        event_id = None
        for line in response.iter_lines():
            if line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                envelope = json.loads(line[5:])
                assert envelope["type"] == "connected"
                return envelope["data"]["resumed"], event_id
    raise AssertionError("the stream ended before its connected event")


def _expected(value: str) -> tuple[bool, str]:
    valid = re.fullmatch(r"[0-9]{1,18}", value) is not None and int(value) <= LATEST
    return valid, str(int(value)) if valid else str(LATEST)


@given(st.one_of(near_cursors, big_numbers, header_text))
@example("0")
@example(str(LATEST))
@example(str(LATEST + 1))
@example("9" * 19)
@example("-1")
@bounded
def test_last_event_id_header(stream_client, value):
    resumed, event_id = _connected(stream_client, headers={"Last-Event-ID": value})
    assert (resumed, event_id) == _expected(value)


@given(st.one_of(near_cursors, big_numbers, query_text))
@example("\u0661")  # ARABIC-INDIC DIGIT ONE: a digit, but not a cursor
@example("3\x00")
@example("03")
@bounded
def test_last_event_id_query_parameter(stream_client, value):
    resumed, event_id = _connected(stream_client, params={"lastEventId": value})
    assert (resumed, event_id) == _expected(value)
