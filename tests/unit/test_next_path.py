"""`safe_next`: whatever `next` holds, the result is a path on this origin.

The examples are the forms that reached another host before (dot segments, encoded dots
and slashes, backslashes, control characters); hypothesis then throws arbitrary text and
URL-ish text at it and checks the property with two independent resolvers.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notification_center.state.next_path import safe_next

ORIGIN = "http://app.test:3000"

ESCAPES = [
    "//evil.example",
    "///evil.example",
    "/./evil.example",
    "/.//evil.example",
    "/././/evil.example",
    "/.%2e/evil.example",
    "/.%2e//evil.example",
    "/%2e/%2fevil.example",
    "/%2e%2e//evil.example",
    "/%2E%2E/%2F/evil.example",
    "/a/..//evil.example",
    "/a/%2e%2e//evil.example",
    "/%2f%2fevil.example",
    "/%2F/evil.example",
    "/%252f%252fevil.example",
    "/%25252f%25252fevil.example",
    "/%5cevil.example",
    "/%5c%5cevil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "https://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "%2f%2fevil.example",
    "\\\\evil.example",
    "//evil.example@app.test",
    "/%09/evil.example",
    "/%0a/evil.example",
]


def lands_on_this_origin(target: str) -> bool:
    """Resolve like a browser (and like a decoding router) and compare the host."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    for candidate in (target, unquote(target), unquote(unquote(target))):
        resolved = urlsplit(urljoin(ORIGIN + "/", candidate.replace("\\", "/")))
        if resolved.netloc != "app.test:3000" or candidate.replace("\\", "/").startswith("//"):
            return False
    return True


@pytest.mark.parametrize("raw", ESCAPES)
def test_known_escapes_stay_on_this_origin(raw: str) -> None:
    target = safe_next(raw)
    assert lands_on_this_origin(target), (raw, target)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/", "/"),
        ("/operator", "/operator"),
        ("/operator/", "/operator/"),
        ("/operator?x=1#top", "/operator?x=1#top"),
        ("/a/./b/../c", "/a/c"),
        ("/a//b", "/a/b"),
        ("/.//evil.example", "/evil.example"),
        ("/%2e%2e//evil.example", "/evil.example"),
        ("/op%65rator", "/operator"),
        ("/é", "/%C3%A9"),
        ("/?next=//evil.example", "/?next=//evil.example"),  # a query cannot change the host
        (None, "/"),
        ("", "/"),
        ("operator", "/"),
        ("/" + "a" * 3000, "/"),
        ("/\ud800", "/"),
    ],
)
def test_normalised_targets(raw: str | None, expected: str) -> None:
    assert safe_next(raw) == expected


url_chars = st.sampled_from([*"/\\.%2eEfF5cC:?#@ \t\n\x00az", "%2e", "%2f", "%5c", "%25", "..", "//"])


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(url_chars, max_size=20).map("".join)))
def test_any_input_stays_on_this_origin_and_is_stable(raw: str) -> None:
    target = safe_next(raw)
    assert lands_on_this_origin(target), (raw, target)
    assert safe_next(target) == target  # already normal: deciding again changes nothing
