"""Issue 11's pure pieces: which links a send may carry, what preferences make a tab do,
and how a tab's list takes a grouped row (once, moved to the top, counted as one row)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notification_center.notifications.links import url_problem
from notification_center.preferences.rules import ALL_ON, Alerts, alerts_for, effective
from notification_center.state.inbox_extras import CategoryTab, tabs_with_counts
from notification_center.state.notifications_state import NotificationsState, NotificationView
from notification_center.timefmt import iso_ms
from tests.unit.test_ui_logic import _substate, view, wire


@pytest.mark.parametrize(
    "url", ["/", "/reports/7?x=1#y", "http://example.com", "https://example.com:8443/a/b?c=d", "HTTPS://EXAMPLE.COM"]
)
def test_safe_urls(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "jAvAsCrIpT:alert(1)",
        "\x01javascript:alert(1)",
        "java\nscript:alert(1)",
        "vbscript:x",
        "data:text/html,x",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https:evil.example",
        "https://",
        "mailto:a@b.c",
        "x" * 2001,
        "/a b",
        "/a\u2028b",
    ],
)
def test_unsafe_urls(url: str) -> None:
    assert url_problem(url) is not None


def test_preferences_rules() -> None:
    muted = Alerts(False, False, False)
    assert effective(muted, critical=False) == muted
    assert effective(muted, critical=True) == ALL_ON  # critical always alerts
    assert effective(None, critical=False) == ALL_ON  # no row: the defaults
    prefs = {"billing": muted.to_wire(), "news": {"toast": True, "sound": False}}
    assert alerts_for(prefs, "billing") == muted
    assert alerts_for(prefs, "news") == Alerts(True, False, True)  # a missing kind stays on
    assert alerts_for(prefs, "defined-later") == ALL_ON


def test_from_wire_reads_links_actions_and_group_count() -> None:
    row = view(
        "n1",
        "2024-01-01T00:00:00.000Z",
        category="billing",
        url="https://example.com/x",
        actions=[{"id": "ok", "label": "OK"}, {"id": "open", "label": "Open", "url": "/r/1"}, {"bad": 1}],
        actionTaken="ok",
        groupCount=4,
    )
    assert (row.category, row.url, row.url_external, row.action_taken, row.group_count) == (
        "billing",
        "https://example.com/x",
        True,
        "ok",
        4,
    )
    assert [(a.id, a.url, a.url_external) for a in row.actions] == [("ok", "", False), ("open", "/r/1", False)]
    plain = view("n2", "2024-01-01T00:00:00.000Z", groupCount="x")
    assert (plain.category, plain.url, plain.actions, plain.group_count) == ("general", "", [], 1)


def _tab_state() -> NotificationsState:
    state = _substate(NotificationsState)
    state._user_id, state.loaded = "u1", True
    state.category_tabs = [CategoryTab("general", "General", 0), CategoryTab("billing", "Billing", 0)]
    return state


def test_a_muted_category_lands_silently_and_critical_ones_alert() -> None:
    state = _tab_state()
    state.sound_on = "1"
    state._preferences = {"billing": {"toast": False, "sound": False, "desktop": False}}
    silent = state.on_notification(wire("b1", "2024-01-01T00:00:01.000Z", category="billing"))
    assert silent == [] and state.items[0].id == "b1"  # in the list, no toast, no sound
    assert state.unread_count == 1
    assert {t.slug: t.unread for t in state.category_tabs} == {"general": 0, "billing": 1}
    loud = state.on_notification(wire("g1", "2024-01-01T00:00:02.000Z", category="general"))
    assert len(loud) == 2  # toast + sound


def test_a_grouped_send_replaces_its_row_and_badges_count_rows() -> None:
    state = _tab_state()
    state.on_notification(wire("g", "2024-01-01T00:00:01.000Z", groupCount=1, title="Anna commented"))
    state.on_notification(wire("other", "2024-01-01T00:00:02.000Z"))
    assert state.unread_count == 2
    state.items = [
        NotificationView(**{**vars(i), "read": True, "seen": True}) if i.id == "g" else i for i in state.items
    ]
    state.unread_count, state.unseen_count = 1, 1
    events = state.on_notification(
        wire("g", "2024-01-01T00:00:03.000Z", groupCount=2, title="Anna and 1 other commented")
    )
    assert events  # it alerts again
    assert [(i.id, i.group_count, i.read) for i in state.items] == [("g", 2, False), ("other", 1, False)]
    assert (state.unread_count, state.unseen_count) == (2, 2)
    # The same state again (a replay, a hand-over) changes nothing.
    assert state.on_notification(wire("g", "2024-01-01T00:00:03.000Z", groupCount=2)) is None
    assert [i.id for i in state.items] == ["g", "other"] and state.unread_count == 2
    # A grouped row this tab never held: the badges come from the database instead.
    follow_up = state.on_notification(wire("h", "2024-01-01T00:00:04.000Z", groupCount=5))
    assert any("refresh_counts" in str(e) for e in follow_up)
    assert state.unread_count == 2


def test_a_live_event_a_list_reload_overtook_still_alerts_once() -> None:
    """After a reconnect the reloaded list can show a row before its own live event comes."""
    state = _tab_state()
    now = datetime.now(UTC)
    fresh, old = iso_ms(now - timedelta(seconds=2)), iso_ms(now - timedelta(hours=3))
    state.items = [view("f", fresh), view("o", old)]  # what the reload brought, unannounced
    state.unread_count = state.unseen_count = 2
    assert state.on_notification(wire("f", fresh))  # news to the user: toast
    assert state.on_notification(wire("f", fresh)) is None  # but once
    assert state.on_notification(wire("o", old)) is None  # a replay after a long absence: quiet
    read = view("r", fresh, readAt=fresh)
    state.items = [read, *state.items]
    assert state.on_notification(wire("r", fresh)) is None  # read already: nothing to tell
    assert [i.id for i in state.items] == ["r", "f", "o"] and state.unread_count == 2


def test_tabs_take_new_counts_and_new_categories() -> None:
    tabs = [CategoryTab("general", "General", 3)]
    assert tabs_with_counts(tabs, {"news": 2}) == [CategoryTab("general", "General", 0), CategoryTab("news", "news", 2)]
