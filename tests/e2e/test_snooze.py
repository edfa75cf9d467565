"""Snooze in the browser: an item snoozed from its menu preset leaves the list and the badge;
one snoozed for a few seconds (over the API, as another device would) leaves every open
tab and comes back by itself at its time, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.helpers import item, open_center, sign_in_with_cookie, unread_badge


def test_snooze_preset_hides_the_item_and_a_short_snooze_comes_back(
    context, app_server, make_account, operator, artifacts_dir
) -> None:
    user = make_account()
    (later,) = operator.send([user.username], "Snooze me for an hour")
    (short,) = operator.send([user.username], "Back in a moment")
    sign_in_with_cookie(context, app_server, user)
    page = open_center(context)
    expect(unread_badge(page)).to_have_text("2")

    item(page, later).get_by_test_id("snooze").click()
    for preset in ("snooze-1h", "snooze-tonight", "snooze-tomorrow", "snooze-next-week"):
        expect(page.get_by_test_id(preset)).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "snooze-menu.png"))
    page.get_by_test_id("snooze-1h").click()
    expect(item(page, later)).to_have_count(0)
    expect(unread_badge(page)).to_have_text("1")

    other_device = app_server.login(user.username, user.password)
    try:
        until = (datetime.now(UTC) + timedelta(seconds=4)).isoformat()
        r = other_device.post(f"/api/notifications/{short}/snooze", json={"until": until})
        assert r.status_code == 200, r.text
    finally:
        other_device.close()
    expect(item(page, short)).to_have_count(0)  # the `updated` event removed it from this tab
    expect(unread_badge(page)).to_have_text("0")
    expect(item(page, short)).to_have_count(1, timeout=20_000)  # back at its time, without a reload
    expect(unread_badge(page)).to_have_text("1")
    expect(item(page, later)).to_have_count(0)  # the hour-long one stays away

    page.reload()  # and the server agrees
    expect(item(page, short)).to_have_count(1)
    expect(item(page, later)).to_have_count(0)
