"""The UI states' pure pieces: wire -> row, list merging, recipients, redirects, alert JS."""

from __future__ import annotations

import json

from notification_center.components import alerts
from notification_center.state.auth_state import login_redirect, safe_next
from notification_center.state.notifications_state import NotificationView, merge_newest_first
from notification_center.state.operator_state import parse_recipients


def wire(notification_id: str, created: str, **extra) -> dict:
    return {"id": notification_id, "title": f"t {notification_id}", "createdAt": created, "readAt": None, **extra}


def view(notification_id: str, created: str, **extra) -> NotificationView:
    row = NotificationView.from_wire(wire(notification_id, created, **extra))
    assert row is not None
    return row


def test_from_wire_keeps_text_as_is_and_reads_read_state() -> None:
    row = view("n1", "2024-01-01T00:00:00.000Z", title="<b>x</b>", type="alert", priority="urgent")
    assert (row.title, row.type, row.priority, row.read) == ("<b>x</b>", "alert", "urgent", False)
    assert view("n2", "2024-01-01T00:00:00.000Z", readAt="2024-01-02T00:00:00.000Z").read
    assert view("n3", "2024-01-01T00:00:00.000Z", status="read").read


def test_from_wire_rejects_what_is_not_a_notification() -> None:
    assert NotificationView.from_wire(None) is None
    assert NotificationView.from_wire({"title": "no id"}) is None
    assert NotificationView.from_wire({"id": 5}) is None
    odd = NotificationView.from_wire({"id": "n", "title": 7, "content": None})
    assert odd is not None and (odd.title, odd.content, odd.type) == ("", "", "info")


def test_merge_is_newest_first_without_duplicates_and_newer_data_wins() -> None:
    old = [view("b", "2024-01-01T00:00:02.000Z"), view("a", "2024-01-01T00:00:01.000Z")]
    incoming = [view("c", "2024-01-01T00:00:03.000Z"), view("a", "2024-01-01T00:00:01.000Z", status="read")]
    merged = merge_newest_first(old, incoming)
    assert [r.id for r in merged] == ["c", "b", "a"]
    assert merged[-1].read


def test_parse_recipients_like_the_api_expects() -> None:
    assert parse_recipients(" alice, bob ,,carol ") == ["alice", "bob", "carol"]
    assert parse_recipients("ALL") == "all"
    assert parse_recipients(" , ") == []


def test_safe_next_allows_only_same_site_paths() -> None:
    assert safe_next("/operator") == "/operator"
    for bad in (None, "", "https://evil.example", "//evil.example", "/\\evil.example", "operator"):
        assert safe_next(bad) == "/"
    assert "next=/operator" in str(login_redirect("/operator"))
    assert "evil" not in str(login_redirect("//evil.example"))


def test_desktop_notification_text_is_a_json_literal() -> None:
    title = '"); window.__pwned = 1; ("'
    row = view("n1", "2024-01-01T00:00:00.000Z", title=title, content="</script>\u2028")
    script = alerts.desktop_script(row)
    assert f"new Notification({json.dumps(title)}, {{body: {json.dumps(row.content)}, " in script
