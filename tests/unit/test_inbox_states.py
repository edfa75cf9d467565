"""The inbox state table (notifications/states.py): every state and action has one answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notification_center.notifications.states import (
    TABLE,
    Act,
    Apply,
    Refuse,
    State,
    decide,
    ends_snooze,
    refusal,
    state_of,
    states_where,
)

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(minutes=1), NOW + timedelta(minutes=1)


def test_every_state_has_a_cell_for_every_action():
    assert set(TABLE) == set(State)
    for state, row in TABLE.items():
        assert set(row) == set(Act), state
        assert all(isinstance(cell, Apply | Refuse) for cell in row.values())


@pytest.mark.parametrize(
    ("lifecycle", "expected"),
    [
        ({}, State.INBOX),
        ({"archived_at": PAST}, State.ARCHIVED),
        ({"snoozed_until": FUTURE}, State.SNOOZED),
        ({"snoozed_until": PAST}, State.INBOX),  # due, not yet returned by the scheduler: shown
        ({"snoozed_until": FUTURE, "archived_at": PAST}, State.SNOOZED),
        ({"expires_at": PAST, "snoozed_until": FUTURE}, State.EXPIRED),
        ({"expires_at": FUTURE}, State.INBOX),
        ({"deleted_at": PAST, "expires_at": PAST}, State.DELETED),
        ({"expires_at": PAST.replace(tzinfo=None)}, State.EXPIRED),  # SQLite's naive UTC
    ],
)
def test_a_row_is_in_exactly_one_state_with_visibility_s_precedence(lifecycle, expected):
    fields = {"deleted_at": None, "expires_at": None, "snoozed_until": None, "archived_at": None} | lifecycle
    assert state_of(now=NOW, **fields) is expected


def test_the_four_observed_cells_of_issue_20():
    # DELETE of a snoozed row deletes it; archive of a snoozed row archives it and ends the snooze.
    assert isinstance(decide(State.SNOOZED, "delete"), Apply)
    assert isinstance(decide(State.SNOOZED, "archive"), Apply) and ends_snooze("archive")
    # An expired row refuses read and archive with the same status, and delete applies.
    for act in ("read", "archive", "seen", "unread", "unarchive", "snooze", "unsnooze", "action"):
        assert decide(State.EXPIRED, act) == Refuse(410, decide(State.EXPIRED, "read").template), act
    assert isinstance(decide(State.EXPIRED, "delete"), Apply)
    # Seen on an archived row marks it seen.
    assert isinstance(decide(State.ARCHIVED, "seen"), Apply)


def test_only_archive_ends_a_snooze():
    assert [act for act in Act if ends_snooze(act)] == [Act.ARCHIVE]


def test_refusals_name_the_state_and_the_row():
    expires = NOW - timedelta(hours=1)
    expired = refusal(State.EXPIRED, "read", notification_id="notif_ab", expires_at=expires)
    assert expired is not None and expired.status == 410
    assert "'notif_ab' expired at 2026-12-02T02:00:00.000Z" in expired.message
    archived = refusal(State.ARCHIVED, "snooze", notification_id="notif_ab")
    assert archived is not None and archived.status == 409 and "is archived; unarchive it first" in archived.message
    gone = refusal(State.DELETED, "unarchive", notification_id="notif_ab")
    assert gone is not None and (gone.status, gone.message) == (404, "no notification 'notif_ab'")
    assert refusal(State.INBOX, "read", notification_id="notif_ab") is None


def test_the_sql_scope_of_each_action_is_the_states_where_it_applies():
    everywhere_live = {State.INBOX, State.SNOOZED, State.ARCHIVED}
    for act in (Act.READ, Act.UNREAD, Act.SEEN, Act.ARCHIVE, Act.UNARCHIVE, Act.UNSNOOZE, Act.ACTION):
        assert states_where(act) == everywhere_live, act
    assert states_where(Act.SNOOZE) == {State.INBOX, State.SNOOZED}
    assert states_where(Act.DELETE) == everywhere_live | {State.EXPIRED}
    assert all(State.DELETED not in states_where(act) for act in Act)
