"""Screenshots of the notification center (desktop and phone) and the operator page, saved
to test-artifacts/ for a person to look at. The assertions check the layout basics that
a screenshot would show: nothing wider than a phone screen, every control reachable.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.helpers import item, open_center, sign_in_with_cookie, toast

SAMPLES = [
    ("Welcome to the Notification Center", "Alerts, messages and updates arrive here as they happen.", "info", "low"),
    ("Payment received", "Invoice #1042 was paid by ACME Corp.", "success", "normal"),
    ("Disk space low", "Volume /data on db-2 is 91% full.", "warning", "high"),
    ("New message from Sam", "Could you review the release notes before 5 pm?", "message", "normal"),
]
PHONE = {"width": 390, "height": 844}


def _no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"


def test_screenshots(new_context, app_server, make_account, operator, artifacts_dir: Path) -> None:
    user = make_account(prefix="dana")
    ids = [
        operator.send([user.username], title, content=content, type=kind, priority=priority)[0]
        for title, content, kind, priority in SAMPLES
    ]
    reader = app_server.login(user.username, user.password)
    try:
        assert reader.post(f"/api/notifications/{ids[0]}/read").status_code == 200
    finally:
        reader.close()

    desktop = new_context()
    sign_in_with_cookie(desktop, app_server, user)
    center = open_center(desktop)
    (urgent,) = operator.send(
        [user.username],
        "Production is down",
        content="api.example.com has answered 502 since 14:02 UTC. On-call has been paged.",
        type="alert",
        priority="urgent",
    )
    expect(item(center, urgent)).to_be_visible()
    expect(toast(center, "Production is down")).to_be_visible()
    center.wait_for_timeout(500)  # let the toast finish its entrance animation
    center.screenshot(path=artifacts_dir / "notification-center.png", full_page=True)

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in_with_cookie(phone, app_server, user)
    small = open_center(phone)
    expect(item(small, urgent)).to_be_visible()
    for test_id in ("unread-count", "mark-all-read", "logout-button", "connection-status"):
        expect(small.get_by_test_id(test_id)).to_be_in_viewport()
    _no_horizontal_scroll(small)
    small.screenshot(path=artifacts_dir / "notification-center-phone.png", full_page=True)

    operator_context = new_context()
    sign_in_with_cookie(operator_context, app_server, operator.account)
    form = operator_context.new_page()
    form.goto("/operator")
    form.get_by_test_id("send-title").fill("Maintenance tonight")
    form.get_by_test_id("send-content").fill("The API will be read-only from 22:00 to 22:30 UTC.")
    form.get_by_test_id("send-type").select_option("warning")
    form.get_by_test_id("send-recipients").fill(user.username)
    form.get_by_test_id("send-submit").click()
    expect(form.get_by_test_id("send-result")).to_contain_text("Sent 1 notification")
    expect(form.get_by_test_id("stat-user-counts")).to_contain_text(user.username)
    form.screenshot(path=artifacts_dir / "operator.png", full_page=True)

    form.set_viewport_size(PHONE)
    _no_horizontal_scroll(form)
    form.screenshot(path=artifacts_dir / "operator-phone.png", full_page=True)
