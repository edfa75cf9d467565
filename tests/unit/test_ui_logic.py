"""The UI states' logic: wire -> row, list merging, recipients, redirects, alert JS, and the
read-state and operator-stats handlers with the database and broadcaster replaced."""

from __future__ import annotations

import asyncio

import pytest
import reflex as rx

from notification_center.components import alerts
from notification_center.history.charts import ChartData
from notification_center.notifications import bulk, read_state, service
from notification_center.state import operator_state
from notification_center.state.auth_state import (
    SIGN_IN_JS,
    AuthState,
    SignedInUser,
    login_redirect,
    safe_next,
    sign_in_js,
)
from notification_center.state.notifications_state import NotificationsState, NotificationView, merge_newest_first
from notification_center.state.operator_state import OperatorState, form_body, parse_recipients
from notification_center.untrusted import js_literal


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
    for good in ("/", "/operator", "/operator?x=1", "/operator?x=1#top", "/a/b/c"):
        assert safe_next(good) == good
    bad = (
        None,
        "",
        "operator",
        "https://evil",
        "https://evil.example",
        "//evil",
        "//evil.example",
        "/\\evil",
        "/\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",  # browsers drop tabs and newlines: "//evil.example"
        "/\n/evil",
        "/\r/evil",
        "/\x00/evil",
        "/\x7f/evil",
        " //evil",
        "/operator\tx",
    )
    for raw in bad:
        assert safe_next(raw) == "/", repr(raw)
    assert "next=/operator" in str(login_redirect("/operator"))
    assert "evil" not in str(login_redirect("//evil.example"))
    assert "evil" not in str(login_redirect("/\t/evil.example"))


def test_sign_in_script_goes_to_the_server_decided_target_as_an_absolute_url() -> None:
    # The target is filled in by the server (already normalised); the browser resolves it
    # against this origin and navigates to the absolute href, never to a re-relativised
    # path that could read as "//host".
    assert "new URL(raw, window.location.origin)" in SIGN_IN_JS
    assert "url.origin === window.location.origin ? url.href" in SIGN_IN_JS
    assert "url.pathname" not in SIGN_IN_JS
    assert '"Content-Type": "application/json"' in SIGN_IN_JS
    assert 'const next = target("/operator?x=1");' in sign_in_js("/operator?x=1")
    assert 'const next = target("/evil.example");' in sign_in_js("/.//evil.example")
    assert 'const next = target("/");' in sign_in_js("//evil.example")


def test_form_body_is_what_the_api_takes() -> None:
    form = {"title": "Hi", "content": "", "type": "", "priority": "high", "recipients": " alice, bob "}
    assert form_body(form) == {
        "title": "Hi",
        "content": "",
        "type": "info",
        "priority": "high",
        "recipients": ["alice", "bob"],
    }
    assert form_body({"recipients": "All"})["recipients"] == "all"


def test_desktop_notification_text_is_a_json_literal() -> None:
    title = '"); window.__pwned = 1; ("'
    row = view("n1", "2024-01-01T00:00:00.000Z", title=title, content="</script>\u2028")
    script = alerts.desktop_script(row)
    assert f"new Notification({js_literal(title)}, {{body: {js_literal(row.content)}, " in script
    assert "</script>" not in script and js_literal(row.content) == '"\\u003c/script\\u003e\\u2028"'


# -- state handlers, with the database and broadcaster replaced --------------------------
def _substate(state_cls):
    root = rx.State(_reflex_internal_init=True)
    return root.get_substate(state_cls.get_full_name().split(".")[1:])


def _run(state, handler: str, *args):
    return asyncio.run(type(state).event_handlers[handler].fn(state, *args))


def _signed_in_as(monkeypatch: pytest.MonkeyPatch, *users: SignedInUser | None) -> None:
    """`_current_user` answers with `users` in turn (the last one from then on)."""
    queue = list(users)

    async def _current_user(self):
        user = queue.pop(0) if len(queue) > 1 else queue[0]
        self._remember(user)
        return user

    monkeypatch.setattr(AuthState, "_current_user", _current_user)


def test_mark_all_read_marks_only_what_the_backend_marked_in_the_view_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    _signed_in_as(monkeypatch, SignedInUser("u1", "alice", "user"))
    asked = []

    async def bulk_action(*, user_id: str, action: str, ids=None, where=None) -> bulk.BulkResult:
        asked.append((user_id, action, ids, where))
        # "new" was created after the update: it stays unread and counted.
        return bulk.BulkResult(1, "token", ["old"], service.Counts(unread=1, unseen=1))

    monkeypatch.setattr(bulk, "bulk", bulk_action)
    state = _substate(NotificationsState)
    state.items = [view("new", "2024-01-01T00:00:02.000Z"), view("old", "2024-01-01T00:00:01.000Z")]
    state.unread_count = 2
    state.view_archived = True

    _run(state, "mark_all_read")

    assert asked == [("u1", "read", None, bulk.Filter(archived=True))]  # the Archived view's rows only
    assert {item.id: item.read for item in state.items} == {"new": False, "old": True}
    assert state.unread_count == 1
    assert state.undo_token == "token" and "1 notification" in state.undo_message


def test_a_read_up_to_event_marks_what_the_database_says_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    _signed_in_as(monkeypatch, SignedInUser("u1", "alice", "user"))
    monkeypatch.setattr(read_state, "read_ids_among", lambda *, user_id, ids: ["old"])
    state = _substate(NotificationsState)
    state._user_id = "u1"
    state.items = [view("new", "2024-01-01T00:00:02.000Z"), view("old", "2024-01-01T00:00:01.000Z")]

    _run(state, "on_read", {"upTo": "1", "unreadCount": 1})
    assert {item.id: item.read for item in state.items} == {"new": False, "old": True}
    assert state.unread_count == 1

    _run(state, "on_read", {"ids": ["new"], "unreadCount": 0})
    assert all(item.read for item in state.items) and state.unread_count == 0


def test_mark_read_of_someone_elses_notification_drops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _signed_in_as(monkeypatch, SignedInUser("u1", "alice", "user"))

    async def mark_read(*, user_id: str, notification_id: str) -> read_state.ReadResult:
        return read_state.ReadResult(None, [], service.Counts(unread=3, unseen=3))

    monkeypatch.setattr(read_state, "mark_read", mark_read)
    state = _substate(NotificationsState)
    state.items = [view("gone", "2024-01-01T00:00:01.000Z")]

    _run(state, "mark_read", "gone")

    assert state.items == []
    assert state.unread_count == 3


class _FakeStats:
    def to_wire(self) -> dict:
        return {"totalClients": 2, "connectedUserIds": ["u9"], "userClientCounts": {"u9": 2}}


class _FakeBroadcaster:
    async def cluster_stats(self) -> _FakeStats:
        return _FakeStats()


def _operator_page(monkeypatch: pytest.MonkeyPatch, *users: SignedInUser | None):
    _signed_in_as(monkeypatch, *users)
    monkeypatch.setattr(operator_state, "get_notification_broadcaster", _FakeBroadcaster)
    monkeypatch.setattr(operator_state, "_usernames", lambda ids: {"u9": "bob"})
    monkeypatch.setattr(operator_state, "_chart_data", lambda: ChartData(sends=[{"time": "12:00", "sends": 1}]))
    monkeypatch.setattr(
        operator_state, "_category_options", lambda: [operator_state.CategoryOption("general", "General")]
    )
    state = _substate(OperatorState)
    assert _run(state, "load") is None
    assert (state.checked, state.allowed, state.total_clients) == (True, True, 2)
    assert [row.username for row in state.per_user] == ["bob"]
    assert state.chart_sends == [{"time": "12:00", "sends": 1}]
    return state


def test_stats_tick_rechecks_the_role(monkeypatch: pytest.MonkeyPatch) -> None:
    operator = SignedInUser("u1", "olga", "operator")
    state = _operator_page(monkeypatch, operator, operator, SignedInUser("u1", "olga", "user"))

    assert _run(state, "refresh_stats", "") is None  # still an operator
    assert state.total_clients == 2
    assert _run(state, "refresh_stats", "") is None  # demoted meanwhile

    assert (state.checked, state.allowed, state.is_operator) == (True, False, False)
    assert (state.total_clients, state.connected_users, state.per_user) == (0, 0, [])
    assert state.chart_sends == []  # the charts are cleared with the stats


def test_stats_tick_after_the_session_ended_goes_to_login(monkeypatch: pytest.MonkeyPatch) -> None:
    state = _operator_page(monkeypatch, SignedInUser("u1", "olga", "operator"), None)

    redirect = _run(state, "refresh_stats", "")

    assert "/login?next=/operator" in str(redirect)
    assert (state.signed_in, state.checked, state.allowed) == (False, False, False)
    assert (state.total_clients, state.connected_users, state.per_user) == (0, 0, [])


def test_the_operator_form_sends_as_the_signed_in_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    state = _operator_page(monkeypatch, SignedInUser("u1", "olga", "operator"))
    senders = []

    async def send_or_schedule(body, *, actor=None, ip=None):
        senders.append(operator_state.sending.sender_of(actor))
        return [{"id": "n1"}]

    monkeypatch.setattr(operator_state.scheduled_sends, "send_or_schedule", send_or_schedule)

    async def drain():
        async for _ in type(state).event_handlers["send"].fn(state, {"title": "t", "recipients": "bob"}):
            pass

    asyncio.run(drain())
    assert state.result_ok
    assert [(s.kind, s.id, s.label) for s in senders] == [("user", "u1", "olga")]
