"""How a tab applies lifecycle events to the view it shows (state/lifecycle_events.py),
and the events' data (notifications/lifecycle.event_data)."""

from __future__ import annotations

import pytest

from notification_center.notifications import lifecycle, service
from notification_center.state.lifecycle_events import belongs_in_inbox, plan


@pytest.mark.parametrize(
    ("event_type", "data", "inbox", "archive"),
    [
        ("archived", {"ids": ["a"], "archived": True}, "drop", "reload"),  # left the inbox, into the archive
        ("archived", {"ids": ["a"], "archived": False}, "reload", "drop"),  # back in the inbox
        ("deleted", {"ids": ["a"], "deleted": True}, "drop", "drop"),
        ("deleted", {"ids": ["a"], "deleted": False, "reload": True}, "reload", "reload"),  # undo
        ("seen", {"ids": ["a"], "unseenCount": 0}, "mark", "none"),
        ("seen", {"ids": ["a"], "seen": False}, "reload", "none"),
        ("archived", {"archived": True, "count": 900, "reload": True}, "reload", "reload"),
        ("expired", {"ids": ["a"]}, "none", "none"),
    ],
)
def test_rows_leaving_a_list_are_dropped_and_rows_coming_in_reload_it(event_type, data, inbox, archive):
    result = plan(event_type, data)
    assert (result.inbox, result.archive) == (inbox, archive)


def test_the_badges_come_from_the_event_and_odd_values_are_ignored():
    result = plan("deleted", {"ids": ["a", 7], "unreadCount": 3, "unseenCount": True})
    assert result.ids == frozenset({"a"})
    assert (result.unread_count, result.unseen_count) == (3, None)


def test_event_data_lists_ids_up_to_the_bound_then_says_reload():
    counts = service.Counts(unread=4, unseen=2)
    archive = lifecycle.ACTIONS["archive"]
    assert lifecycle.event_data(archive, ["a"], 1, counts) == {
        "ids": ["a"],
        "archived": True,
        "count": 1,
        "unreadCount": 4,
        "unseenCount": 2,
    }
    big = lifecycle.event_data(archive, ["x"] * 501, lifecycle.EVENT_IDS + 1, counts)
    assert "ids" not in big and big["reload"] is True and big["count"] == 501
    undone = lifecycle.event_data(lifecycle.ACTIONS["delete"], ["a"], 1, counts, undo=True)
    assert undone["deleted"] is False and undone["reload"] is True and undone["ids"] == ["a"]


NOW = "2026-12-02T07:00:00.000Z"


@pytest.mark.parametrize(
    ("row", "in_inbox"),
    [
        ({"snoozedUntil": None, "archivedAt": None}, True),  # a snooze ended, or an action in the inbox
        ({"snoozedUntil": "2026-12-02T08:00:00.000Z", "archivedAt": None}, False),  # snoozed ahead
        ({"snoozedUntil": "2026-12-02T06:00:00.000Z", "archivedAt": None}, True),  # its time has come
        ({"snoozedUntil": None, "archivedAt": "2026-12-02T06:59:00.000Z"}, False),  # action in the Archived view
    ],
)
def test_an_updated_row_joins_the_inbox_only_when_it_is_in_it(row, in_inbox):
    assert belongs_in_inbox(row, NOW) is in_inbox
