"""Pure pieces of scheduling: snooze presets in a time zone, the operator form's local
send time, and the expiry/sendAt validation of a send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from notification_center.notifications.schemas import SendRequest
from notification_center.scheduling.presets import PRESETS, snooze_until
from notification_center.state.browser_time import zone
from notification_center.state.operator_state import form_body
from notification_center.state.scheduled_state import send_at_from_form

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("now", "preset", "expected"),
    [
        (berlin(2026, 11, 27, 10, 15), "1h", berlin(2026, 11, 27, 11, 15)),
        (berlin(2026, 11, 27, 10, 15), "tonight", berlin(2026, 11, 27, 20, 0)),
        (berlin(2026, 11, 27, 19, 30), "tonight", berlin(2026, 11, 27, 20, 30)),  # later than 7 pm: an hour on
        (berlin(2026, 11, 27, 23, 50), "tomorrow", berlin(2026, 11, 28, 8, 0)),
        (berlin(2026, 11, 27, 10, 0), "next-week", berlin(2026, 11, 30, 8, 0)),  # a Friday -> Monday
        (berlin(2026, 11, 30, 7, 0), "next-week", berlin(2026, 12, 7, 8, 0)),  # a Monday -> the next one
    ],
)
def test_snooze_presets_in_the_persons_zone(now: datetime, preset: str, expected: datetime) -> None:
    until = snooze_until(preset, now.astimezone(UTC), BERLIN)
    assert until == expected
    assert until > now


def test_every_preset_is_ahead_and_unknown_ones_are_refused() -> None:
    now = datetime.now(UTC)
    assert all(snooze_until(preset, now, BERLIN) > now for preset in PRESETS)
    with pytest.raises(ValueError, match="unknown snooze preset"):
        snooze_until("someday", now, BERLIN)


def test_the_forms_local_send_time_is_read_in_the_browsers_zone() -> None:
    assert send_at_from_form("", "Europe/Berlin") is None
    assert send_at_from_form("2026-11-27T14:30", "Europe/Berlin") == "2026-11-27T14:30:00+01:00"
    assert send_at_from_form("2026-07-01T14:30:05", "Europe/Berlin") == "2026-07-01T14:30:05+02:00"  # summer time
    assert send_at_from_form("2026-11-27T14:30", "Not/AZone") == "2026-11-27T14:30:00+00:00"
    assert send_at_from_form("garbage", "UTC") == "garbage"  # validation then names sendAt
    assert form_body({"recipients": "a", "send_at": "2026-11-27T14:30"}, "Europe/Berlin")["sendAt"].endswith("+01:00")
    assert "sendAt" not in form_body({"recipients": "a", "send_at": ""}, "Europe/Berlin")
    assert zone("") is None and zone("Europe/Berlin") == BERLIN


def _send(**extra) -> SendRequest:
    return SendRequest.model_validate({"title": "t", "recipients": ["a"], **extra})


def _error_field(**extra) -> str:
    with pytest.raises(ValidationError) as caught:
        _send(**extra)
    return str(caught.value.errors()[0]["loc"][0])


def test_send_at_and_expiry_validation_names_the_field() -> None:
    soon = datetime.now(UTC) + timedelta(minutes=5)
    assert _send(sendAt=soon.isoformat()).sendAt == soon
    assert _send(sendAt=soon.astimezone(BERLIN).isoformat()).sendAt.tzinfo == UTC  # stored as UTC
    assert _error_field(sendAt=(datetime.now(UTC) - timedelta(seconds=1)).isoformat()) == "sendAt"
    assert _error_field(sendAt=(datetime.now(UTC) + timedelta(days=366)).isoformat()) == "sendAt"
    assert _error_field(expiresAt="2001-01-01T00:00:00Z") == "expiresAt"
    assert _error_field(sendAt=soon.isoformat(), expiresAt=(soon - timedelta(seconds=1)).isoformat()) == "expiresAt"
    assert _error_field(expiresAt=(soon + timedelta(days=1)).isoformat(), ttlSeconds=5) == "ttlSeconds"
    assert _error_field(ttlSeconds=0) == "ttlSeconds"
    assert _send(ttlSeconds=60).ttlSeconds == 60
