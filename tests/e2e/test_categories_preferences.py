"""Categories, preferences, actions and grouping in the browser (issue 11): muting a
category silences it but keeps it in the list (in an already open tab, live); critical
categories can't be muted; category tabs filter with counts; action buttons record the
choice in every tab; ten grouped sends show one row with count 10 in two open tabs.
Screenshots of the preferences page, desktop and phone."""

from __future__ import annotations

import secrets
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import item, open_center, sign_in_with_cookie, toast, wait_connected

PHONE = {"width": 390, "height": 844}


def _category(operator, name: str, critical: bool = False) -> str:
    slug = f"{name.lower()}-{secrets.token_hex(3)}"
    body = {"slug": slug, "name": name, "description": f"{name} notifications", "critical": critical}
    r = operator.client.post("/api/categories", json=body)
    assert r.status_code == 201, r.text
    return slug


def _preferences_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.goto("/preferences")
    expect(page.get_by_test_id("pref-general-toast")).to_be_visible()
    return page


def _warm_up_sound(page: Page, operator, username: str) -> None:
    """As in test_alerts: let the reconnect catch-up and the 1 s sound throttle pass first."""
    (warm_up,) = operator.send([username], "Warm-up")
    expect(item(page, warm_up)).to_be_visible()
    page.wait_for_timeout(1_500)
    page.evaluate("localStorage.removeItem('nc_sound_at')")


def test_muting_a_category_stops_its_toast_and_sound_but_it_still_lands(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    slug = _category(operator, "Billing")
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    center = open_center(context)
    center.get_by_test_id("sound-toggle").click()
    expect(center.get_by_test_id("sound-toggle")).to_have_attribute("aria-checked", "true")

    # Mute it in another tab: the open center hears of it through the stream, and so does
    # a second preferences tab.
    prefs, mirror = _preferences_page(context), _preferences_page(context)
    for kind in ("toast", "sound"):
        switch = prefs.get_by_test_id(f"pref-{slug}-{kind}")
        expect(switch).to_have_attribute("aria-checked", "true")
        switch.click()
        expect(switch).to_have_attribute("aria-checked", "false")
        expect(mirror.get_by_test_id(f"pref-{slug}-{kind}")).to_have_attribute("aria-checked", "false")
    expect(mirror.get_by_test_id(f"pref-{slug}-desktop")).to_have_attribute("aria-checked", "true")
    prefs.close()
    mirror.close()

    _warm_up_sound(center, operator, user.username)
    (muted,) = operator.send([user.username], "Invoice 1042 paid", category=slug)
    expect(item(center, muted)).to_be_visible()  # muting never drops it from the inbox
    expect(item(center, muted)).to_have_attribute("data-category", slug)
    center.wait_for_timeout(1_500)
    expect(toast(center, "Invoice 1042 paid")).to_have_count(0)
    assert center.evaluate("localStorage.getItem('nc_sound_at')") is None

    # Other categories still toast and sound in the same tab.
    (loud,) = operator.send([user.username], "Coffee is ready")
    expect(toast(center, "Coffee is ready")).to_be_visible()
    center.wait_for_function("localStorage.getItem('nc_sound_at') !== null")

    # The category tab shows its unread count and filters the list.
    tab = center.get_by_test_id(f"category-tab-{slug}")
    expect(tab.get_by_test_id("category-count")).to_have_text("1")
    tab.click()
    expect(tab).to_have_attribute("data-selected", "true")
    expect(center.get_by_test_id("notification-item")).to_have_count(1)
    expect(item(center, muted)).to_be_visible()
    center.get_by_test_id("category-tab-all").click()
    expect(item(center, loud)).to_be_visible()


def test_a_critical_category_cannot_be_muted(context: BrowserContext, app_server, make_account, operator) -> None:
    slug = _category(operator, "Outage", critical=True)
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    prefs = _preferences_page(context)
    for category in ("security", slug):
        for kind in ("toast", "sound", "desktop"):
            switch = prefs.get_by_test_id(f"pref-{category}-{kind}")
            expect(switch).to_have_attribute("aria-checked", "true")
            expect(switch).to_be_disabled()
            switch.click(force=True)
            expect(switch).to_have_attribute("aria-checked", "true")
    # And it still toasts.
    center = open_center(context)
    operator.send([user.username], "New sign-in from Firefox", category="security")
    expect(toast(center, "New sign-in from Firefox")).to_be_visible()
    # The API refuses too (the page only mirrors the rule).
    client = app_server.login(user.username, user.password)
    try:
        r = client.put("/api/preferences", json={"preferences": {"security": {"toast": False}}})
        assert r.status_code == 422 and r.json()["field"] == "preferences.security"
    finally:
        client.close()


def test_action_buttons_and_links(
    context: BrowserContext, app_server, make_account, operator, artifacts_dir: Path
) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    first, second = open_center(context), open_center(context)
    # Unsafe links are refused at send time.
    bad = {
        "title": "x",
        "recipients": [user.username],
        "actions": [{"id": "go", "label": "Go", "url": "javascript:alert(1)"}],
    }
    r = operator.client.post("/api/notifications", json=bad)
    assert r.status_code == 422 and r.json()["field"] == "actions"

    actions = [{"id": "approve", "label": "Approve"}, {"id": "reject", "label": "Reject"}]
    (notification_id,) = operator.send(
        [user.username], "Expense report from Sam", url="/preferences?from=report", actions=actions
    )
    for page in (first, second):
        expect(item(page, notification_id).get_by_test_id("item-action-approve")).to_be_enabled()
    item(first, notification_id).get_by_test_id("item-action-approve").click()
    for page in (first, second):  # the choice reaches the other tab (`updated` event)
        row = item(page, notification_id)
        expect(row).to_have_attribute("data-read", "true")
        expect(row.get_by_test_id("item-action-approve")).to_have_attribute("data-chosen", "true")
        expect(row.get_by_test_id("item-action-reject")).to_be_disabled()

    # The title links to the notification's url (same site: in this tab).
    (linked,) = operator.send([user.username], "Open your preferences", url="/preferences")
    link = item(first, linked).get_by_test_id("notification-link")
    expect(link).to_be_visible()
    first.screenshot(path=artifacts_dir / "notification-actions.png", full_page=True)
    expect(link).to_have_attribute("href", "/preferences")
    link.click()
    expect(first.get_by_test_id("pref-general-toast")).to_be_visible()
    expect(item(second, linked)).to_have_attribute("data-read", "true")


def test_ten_grouped_sends_show_one_row_with_count_ten_in_two_tabs(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    tabs = [open_center(context), open_center(context)]
    key = f"pr-{secrets.token_hex(3)}"
    ids = {operator.send([user.username], f"Anna and {n} others commented", groupKey=key)[0] for n in range(10)}
    assert len(ids) == 1
    (row_id,) = ids
    for page in tabs:
        row = item(page, row_id)
        expect(row).to_have_attribute("data-group-count", "10")
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("group-count")).to_have_text("10")
        expect(row.get_by_test_id("notification-title")).to_have_text("Anna and 9 others commented")
        expect(page.get_by_test_id("notification-item")).to_have_count(1)
        expect(page.get_by_test_id("unread-count")).to_have_text("1")  # rows, not sends
    # After a reload (the list from the database, the stream resuming) it is still one row.
    tabs[1].reload()
    wait_connected(tabs[1])
    expect(item(tabs[1], row_id)).to_have_attribute("data-group-count", "10")
    expect(tabs[1].get_by_test_id("notification-item")).to_have_count(1)


def test_preferences_screenshots(new_context, app_server, make_account, operator, artifacts_dir: Path) -> None:
    _category(operator, "Invoices")
    _category(operator, "Releases")
    user = make_account(prefix="dana")
    desktop = new_context(device_scale_factor=2)
    sign_in_with_cookie(desktop, app_server, user)
    page = _preferences_page(desktop)
    page.screenshot(path=artifacts_dir / "preferences.png", full_page=True)
    security = page.locator('[data-testid="pref-row"][data-category="security"]')
    security.screenshot(path=artifacts_dir / "preferences-critical-row.png", scale="device")

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in_with_cookie(phone, app_server, user)
    small = _preferences_page(phone)
    overflow = small.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"
    expect(small.get_by_test_id("pref-security-desktop")).to_be_visible()
    small.screenshot(path=artifacts_dir / "preferences-phone.png", full_page=True)
