"""Many tabs of one browser share one stream (issue 4): all receive, none starve, and
closing the tab that holds the stream hands it over without losing a notification.

The shared app server allows 4 streams per user (tests/conftest.py), so eight tabs only
work if they really share.
"""

from __future__ import annotations

import time

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import item, open_center, sign_in_with_cookie, toast, unread_badge

HEALTH_FETCH_JS = """
async () => (await fetch("/api/health", {signal: AbortSignal.timeout(5000)})).status
"""


def leaders(tabs: list[Page]) -> list[Page]:
    return [t for t in tabs if t.get_by_test_id("connection-status").get_attribute("data-leader") == "true"]


def the_leader(tabs: list[Page], timeout_s: float = 20) -> Page:
    """The one tab holding the browser's stream (waiting out a hand-over in progress)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = leaders(tabs)
        if len(found) == 1 or time.monotonic() > deadline:
            assert len(found) == 1, f"{len(found)} tabs claim the stream"
            return found[0]
        tabs[0].wait_for_timeout(200)


def test_eight_tabs_all_receive_and_stay_responsive(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    tabs = [open_center(context) for _ in range(8)]
    the_leader(tabs)

    (everyone,) = operator.send([user.username], "For all eight tabs")
    for tab in tabs:
        expect(item(tab, everyone)).to_be_visible()
        expect(toast(tab, "For all eight tabs")).to_be_visible()
        expect(unread_badge(tab)).to_have_text("1")

    # Each tab acts on its own notification; every tab sees every change.
    own = [operator.send([user.username], f"Tab {n}")[0] for n in range(len(tabs))]
    for tab in tabs:  # all arrived everywhere (and the lists stopped moving) before clicking
        expect(unread_badge(tab)).to_have_text(str(1 + len(own)))
    for tab, notification_id in zip(tabs, own, strict=True):
        item(tab, notification_id).get_by_test_id("mark-read").click()
        expect(item(tab, notification_id)).to_have_attribute("data-read", "true")
    for tab in tabs:
        expect(unread_badge(tab)).to_have_text("1")
        for notification_id in own:
            expect(item(tab, notification_id)).to_have_attribute("data-read", "true")
        # Plain HTTP still gets through: the tabs do not hold the browser's connections.
        assert tab.evaluate(HEALTH_FETCH_JS) == 200


def test_closing_the_leader_tab_hands_over_without_losing_a_notification(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    tabs = [open_center(context) for _ in range(3)]
    leader = the_leader(tabs)
    rest = [t for t in tabs if t is not leader]
    (before,) = operator.send([user.username], "Before the hand-over")
    for tab in tabs:
        expect(item(tab, before)).to_be_visible()

    leader.close()
    (after,) = operator.send([user.username], "Right after the leader left")

    for tab in rest:
        expect(item(tab, after)).to_be_visible()
        expect(unread_badge(tab)).to_have_text("2")
    expect(rest[0].get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    the_leader(rest)

    # And the new leader keeps delivering.
    (later,) = operator.send([user.username], "Later still")
    for tab in rest:
        expect(item(tab, later)).to_be_visible()
        expect(unread_badge(tab)).to_have_text("3")
