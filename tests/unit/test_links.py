"""Which link targets the UI renders (state/links.py): http(s) and same-site paths only."""

from __future__ import annotations

import pytest

from notification_center.state.bell_state import action_script
from notification_center.state.links import ActionView, actions_from_wire, is_external, safe_href
from notification_center.state.notifications_state import NotificationView


@pytest.mark.parametrize(
    "url",
    ["https://example.com/a?b=c#d", "http://example.com", "HTTPS://EXAMPLE.COM/x", "/operator", "/a/b?c=d"],
)
def test_safe_links_are_kept(url: str) -> None:
    assert safe_href(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "//evil.example/x",
        "/\\evil.example",
        "https:///no-host",
        "ftp://example.com/file",
        "relative/path",
        "",
        None,
        42,
        "https://example.com/" + "a" * 3000,
    ],
)
def test_unsafe_links_are_dropped(url: object) -> None:
    assert safe_href(url) == ""


def test_external_means_a_full_url() -> None:
    assert is_external("https://example.com")
    assert not is_external("/operator")
    assert not is_external("")


def test_actions_from_wire_keeps_two_well_formed_ones() -> None:
    wire = [
        {"id": "bad", "label": "Bad", "url": "javascript:alert(1)"},  # dropped whole
        "not a dict",
        {"id": "", "label": "No id"},
        {"id": "approve", "label": " Approve "},
        {"id": "docs", "label": "Docs", "url": "https://example.com/d"},
        {"id": "third", "label": "Third"},
    ]
    assert actions_from_wire(wire) == [
        ActionView("approve", "Approve", "", False),
        ActionView("docs", "Docs", "https://example.com/d", True),
    ]
    assert actions_from_wire(None) == []
    assert actions_from_wire({"id": "x"}) == []


def test_notification_view_carries_only_safe_links() -> None:
    view = NotificationView.from_wire(
        {"id": "notif_1", "title": "t", "url": "javascript:alert(1)", "actions": [{"id": "a", "label": "A"}]}
    )
    assert view is not None
    assert view.url == "" and not view.url_external
    assert view.actions == [ActionView("a", "A", "", False)]
    same_site = NotificationView.from_wire({"id": "notif_2", "title": "t", "url": "/operator"})
    assert same_site is not None and same_site.url == "/operator" and not same_site.url_external


def test_action_script_quotes_its_values() -> None:
    script = action_script("notif_1", 'x"); alert(1); ("')
    assert '"/api/notifications/notif_1/action"' in script
    assert 'JSON.stringify({actionId: "x\\"); alert(1); (\\""})' in script
