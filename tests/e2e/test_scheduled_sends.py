"""Scheduling from the operator page: the `send-at` field (a local time in the browser's
zone, here Europe/Berlin while the server runs in UTC), the pending list with its cancel
button, and a scheduled send arriving in the user's open tab at its time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.helpers import open_center, sign_in_with_cookie, toast

ZONE = "Europe/Berlin"


def local_in(seconds: float) -> str:
    """What a person in ZONE types into the datetime-local field for now + `seconds`."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M:%S")


def test_schedule_cancel_and_fire_from_the_operator_page(new_context, app_server, make_account, artifacts_dir) -> None:
    user = make_account()
    operator = make_account(role="operator", prefix="op")
    user_context = new_context()
    sign_in_with_cookie(user_context, app_server, user)
    center = open_center(user_context)

    operator_context = new_context(timezone_id=ZONE)
    sign_in_with_cookie(operator_context, app_server, operator)
    form = operator_context.new_page()
    form.goto("/operator")
    expect(form.get_by_test_id("send-at")).to_have_attribute("data-time-zone", ZONE)

    def schedule(title: str, seconds: float) -> None:
        form.get_by_test_id("send-title").fill(title)
        form.get_by_test_id("send-recipients").fill(user.username)
        form.get_by_test_id("send-at").fill(local_in(seconds))
        form.get_by_test_id("send-submit").click()
        expect(form.get_by_test_id("send-result")).to_have_text(re.compile(r"^Scheduled for "))

    rows = form.get_by_test_id("scheduled-row")
    schedule("Cancel me", 600)
    expect(rows.filter(has_text="Cancel me")).to_have_count(1)
    expect(rows.filter(has_text="Cancel me")).to_contain_text(user.username)
    form.screenshot(path=str(artifacts_dir / "operator-scheduled-sends.png"), full_page=True)
    rows.filter(has_text="Cancel me").get_by_test_id("scheduled-cancel").click()
    expect(rows.filter(has_text="Cancel me")).to_have_count(0)

    schedule("Fires soon", 4)  # read as Berlin time: as UTC it would be an hour (or two) off
    expect(rows.filter(has_text="Fires soon")).to_have_count(1)
    expect(toast(center, "Fires soon")).to_be_visible(timeout=20_000)
    expect(center.get_by_test_id("notification-item").filter(has_text="Fires soon")).to_have_count(1)
    expect(center.get_by_test_id("notification-item").filter(has_text="Cancel me")).to_have_count(0)
    expect(rows.filter(has_text="Fires soon")).to_have_count(0, timeout=15_000)  # the list refreshes itself
