"""The bell in every page's header: unseen badge, popover inbox, seen across tabs,
keyboard use, the live region, the tab title, the favicon, icons instead of emoji.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import sign_in_with_cookie

PHONE = {"width": 390, "height": 844}
# Emoji and pictographs (the connection indicator used 🟢/🟡/🔴), and the variation selector.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")


def _bell_count(page: Page, count: int) -> None:
    badge = page.get_by_test_id("bell-badge")
    expect(badge).to_have_attribute("data-count", str(count))
    if count:
        expect(badge).to_have_text(str(count))
        expect(badge).to_be_visible()
    else:
        expect(badge).to_be_hidden()


def _open_page(context: BrowserContext, path: str) -> Page:
    page = context.new_page()
    page.goto(path)
    expect(page.get_by_test_id("bell-button")).to_be_visible()
    return page


def _focused_testid(page: Page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.getAttribute('data-testid')")


def _stream_count(operator, user_id: str) -> int:
    stats = operator.client.get("/api/notifications/stats").json()
    return stats["userClientCounts"].get(user_id, 0)


def _wait_for(read, wanted, page: Page | None, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while (got := read()) != wanted:
        assert time.monotonic() < deadline, f"still {got!r}, wanted {wanted!r}"
        time.sleep(0.2)


def _user_id(app_server, account) -> str:
    client = app_server.login(account.username, account.password)
    try:
        return client.get("/api/auth/me").json()["id"]
    finally:
        client.close()


def test_bell_on_every_page_with_unseen_count_and_title(context, app_server, make_account, operator) -> None:
    user = make_account(prefix="bell")
    for n in range(3):
        operator.send([user.username], f"Unseen {n}")
    user_id = _user_id(app_server, user)
    sign_in_with_cookie(context, app_server, user)

    for path, title in (
        ("/", "(3) Notifications"),
        ("/operator", "(3) Operator · Notification Center"),
        ("/operator/keys", "(3) API keys · Notification Center"),
        ("/operator/audit", "(3) Audit log · Notification Center"),
        ("/example/bell", "(3) My app"),
    ):
        page = _open_page(context, path)
        _bell_count(page, 3)
        expect(page).to_have_title(title)
        # Each page holds the stream itself (this is the browser's only tab).
        _wait_for(lambda: _stream_count(operator, user_id), 1, page)
        page.close()
        _wait_for(lambda: _stream_count(operator, user_id), 0, None)

    # Live: a new one raises the badge and the title without a reload.
    page = _open_page(context, "/operator")
    _bell_count(page, 3)
    operator.send([user.username], "One more")
    _bell_count(page, 4)
    expect(page).to_have_title("(4) Operator · Notification Center")
    expect(page.get_by_test_id("bell-live")).to_have_text("New notification: One more")
    expect(page.get_by_test_id("bell-live")).to_have_attribute("aria-live", "polite")


def test_opening_the_bell_marks_seen_in_every_tab(context, app_server, make_account, operator) -> None:
    user = make_account(prefix="seen")
    ids = [operator.send([user.username], f"Seen later {n}")[0] for n in range(2)]
    sign_in_with_cookie(context, app_server, user)
    center = _open_page(context, "/")
    other = _open_page(context, "/operator")
    _bell_count(center, 2)
    _bell_count(other, 2)

    center.get_by_test_id("bell-button").click()
    panel = center.get_by_test_id("bell-panel")
    expect(panel).to_be_visible()
    rows = panel.get_by_test_id("bell-item")
    # Newest first.
    expect(rows).to_have_count(2)
    assert [rows.nth(i).get_attribute("data-notification-id") for i in range(2)] == ids[::-1]

    _bell_count(center, 0)
    _bell_count(other, 0)  # the other tab heard the `seen` event
    expect(other).to_have_title("Operator · Notification Center")
    expect(rows.first).to_have_attribute("data-seen", "true")
    # Seen is not read.
    expect(rows.first).to_have_attribute("data-read", "false")
    reader = app_server.login(user.username, user.password)
    try:
        body = reader.get("/api/notifications").json()
    finally:
        reader.close()
    assert body["unseenCount"] == 0 and body["unreadCount"] == 2

    # Mark one read from the bell, then all.
    rows.first.get_by_test_id("bell-mark-read").click()
    expect(rows.first).to_have_attribute("data-read", "true")
    panel.get_by_test_id("bell-mark-all-read").click()
    expect(rows.nth(1)).to_have_attribute("data-read", "true")
    expect(center.get_by_test_id("unread-count")).to_have_text("0")


def test_bell_load_more(context, app_server, make_account, operator) -> None:
    user = make_account(prefix="more")
    operator.send([user.username], "Oldest")
    for n in range(20):
        operator.send([user.username], f"Filler {n}")
    sign_in_with_cookie(context, app_server, user)
    page = _open_page(context, "/operator")
    page.get_by_test_id("bell-button").click()
    panel = page.get_by_test_id("bell-panel")
    expect(panel.get_by_test_id("bell-item")).to_have_count(20)
    expect(panel.get_by_text("Oldest", exact=True)).to_have_count(0)
    panel.get_by_test_id("bell-load-more").click()
    expect(panel.get_by_test_id("bell-item")).to_have_count(21)
    expect(panel.get_by_text("Oldest", exact=True)).to_be_visible()
    expect(panel.get_by_test_id("bell-load-more")).to_have_count(0)


def test_keyboard_only(context, app_server, make_account, operator) -> None:
    user = make_account(prefix="keys")
    ids = [operator.send([user.username], f"Keyboard {n}")[0] for n in range(3)]
    sign_in_with_cookie(context, app_server, user)
    page = _open_page(context, "/")
    _bell_count(page, 3)

    page.locator("body").click(position={"x": 1, "y": 1})  # start from the top of the page
    for _ in range(30):
        page.keyboard.press("Tab")
        if _focused_testid(page) == "bell-button":
            break
    assert _focused_testid(page) == "bell-button", "Tab never reached the bell"
    expect(page.get_by_test_id("bell-button")).to_have_attribute("aria-label", "Notifications, 3 new")

    page.keyboard.press("Enter")
    panel = page.get_by_test_id("bell-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("bell-item")).to_have_count(3)

    def focused_item() -> str | None:
        return page.evaluate("document.activeElement && document.activeElement.getAttribute('data-notification-id')")

    page.keyboard.press("ArrowDown")
    assert focused_item() == ids[2]
    page.keyboard.press("ArrowDown")
    assert focused_item() == ids[1]
    page.keyboard.press("End")
    assert focused_item() == ids[0]
    page.keyboard.press("ArrowUp")
    assert focused_item() == ids[1]
    # Tab walks the controls inside the focused item: its mark-read button.
    page.keyboard.press("Tab")
    assert _focused_testid(page) == "bell-mark-read"
    page.keyboard.press("Enter")
    expect(panel.get_by_test_id("bell-item").nth(1)).to_have_attribute("data-read", "true")

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert _focused_testid(page) == "bell-button"
    # Space opens it too.
    page.keyboard.press(" ")
    expect(page.get_by_test_id("bell-panel")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("bell-panel")).to_be_hidden()


def test_connection_indicator_uses_icons_not_emoji(context, app_server, make_account) -> None:
    user = make_account(prefix="icon")
    sign_in_with_cookie(context, app_server, user)
    page = _open_page(context, "/")
    status = page.get_by_test_id("connection-status")
    expect(status).to_have_attribute("data-state", "connected")
    expect(status).to_have_text("Connected")
    expect(status.locator("svg")).to_have_count(1)  # the lucide icon
    header_text = page.locator("body").inner_text()
    assert not EMOJI.search(header_text), EMOJI.findall(header_text)
    page.evaluate("window.ncNotificationStream.disconnect()")
    expect(status).to_have_attribute("data-state", "disconnected")
    expect(status).to_have_text("Disconnected")
    expect(status.locator("svg")).to_have_count(1)
    assert not EMOJI.search(status.inner_text())


def test_favicon_is_served_and_pages_log_no_404(context, app_server, make_account) -> None:
    answer = httpx.get(app_server.url + "/favicon.ico", timeout=10)
    assert answer.status_code == 200
    assert answer.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    user = make_account(prefix="fav")
    sign_in_with_cookie(context, app_server, user)
    page = context.new_page()
    missing: list[str] = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    for path in ("/login", "/", "/operator"):
        page.goto(path)
        expect(page.get_by_test_id("bell-button").or_(page.get_by_test_id("login-username"))).to_be_visible()
        page.wait_for_load_state("networkidle")
    assert missing == []


def _set_links(app_server, notification_id: str, url: str | None, actions: list[dict] | None) -> None:
    """Store url/actions on a row as the send route will (that validation is another
    piece of work): the bell must render whatever safe links the wire carries."""
    with sqlite3.connect(app_server.workdir / "app.db") as db:
        db.execute(
            "UPDATE nc_notifications SET url = ?, actions = ? WHERE id = ?",
            (url, json.dumps(actions) if actions is not None else None, notification_id),
        )


def test_item_links_and_actions(context, app_server, make_account, operator) -> None:
    user = make_account(prefix="link")
    (inside,) = operator.send([user.username], "Open the operator page")
    (outside,) = operator.send([user.username], "<b>Read the docs</b>")
    (evil,) = operator.send([user.username], "Evil link")
    (choice,) = operator.send([user.username], "Approve the deploy?")
    _set_links(app_server, inside, "/operator", None)
    _set_links(
        app_server,
        outside,
        "https://example.com/docs",
        [{"id": "docs", "label": "Docs", "url": "https://example.com/d"}],
    )
    _set_links(
        app_server,
        evil,
        "javascript:alert(1)",
        [{"id": "bad", "label": "Bad", "url": "javascript:alert(2)"}, {"id": "ok", "label": "Fine"}],
    )
    _set_links(app_server, choice, None, [{"id": "approve", "label": "Approve"}, {"id": "deny", "label": "Deny"}])
    sign_in_with_cookie(context, app_server, user)
    page = _open_page(context, "/")
    page.get_by_test_id("bell-button").click()
    panel = page.get_by_test_id("bell-panel")

    def row(notification_id: str):
        return panel.locator(f'[data-testid="bell-item"][data-notification-id="{notification_id}"]')

    expect(row(choice)).to_be_visible()
    # Text stays text.
    expect(row(outside).get_by_test_id("bell-item-link")).to_have_text("<b>Read the docs</b>")
    external = row(outside).get_by_test_id("bell-item-link")
    expect(external).to_have_attribute("href", "https://example.com/docs")
    expect(external).to_have_attribute("target", "_blank")
    expect(external).to_have_attribute("rel", "noopener noreferrer")
    expect(row(outside).get_by_test_id("item-action-docs")).to_have_attribute("href", "https://example.com/d")
    # Never a javascript: link: the title is plain text, the bad action is not shown.
    expect(row(evil).locator("a")).to_have_count(0)
    expect(row(evil).get_by_test_id("item-action-bad")).to_have_count(0)
    expect(row(evil).get_by_test_id("item-action-ok")).to_be_visible()
    assert "javascript:" not in panel.inner_html()

    # An action without a url reports the choice to the callback route (and marks read).
    with page.expect_request(lambda r: r.url.endswith(f"/api/notifications/{choice}/action")) as posted:
        row(choice).get_by_test_id("item-action-approve").click()
    assert posted.value.method == "POST"
    assert json.loads(posted.value.post_data or "{}") == {"actionId": "approve"}
    expect(row(choice)).to_have_attribute("data-read", "true")

    # A same-site url: click opens it in this tab and marks the notification read.
    row(inside).get_by_test_id("bell-item-link").click()
    expect(page).to_have_url(re.compile(r"/operator$"))
    reader = app_server.login(user.username, user.password)
    try:
        items = {n["id"]: n for n in reader.get("/api/notifications").json()["items"]}
    finally:
        reader.close()
    assert items[inside]["readAt"] is not None
    assert items[outside]["readAt"] is None


def _fits(page: Page, test_id: str, width: int) -> None:
    box = page.get_by_test_id(test_id).bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box


def test_bell_screenshots(new_context, app_server, make_account, operator, artifacts_dir: Path) -> None:
    user = make_account(prefix="shot")
    samples = [
        ("Deploy finished", "main is green and live on production.", "success", "normal"),
        ("Disk space low", "Volume /data on db-2 is 91% full.", "warning", "high"),
        ("New message from Sam", "Could you review the release notes before 5 pm?", "message", "normal"),
        ("Production is down", "api.example.com has answered 502 since 14:02 UTC.", "alert", "urgent"),
    ]
    ids = [
        operator.send([user.username], title, content=content, type=kind, priority=priority)[0]
        for title, content, kind, priority in samples
    ]
    _set_links(app_server, ids[0], "/operator", [{"id": "ack", "label": "Acknowledge"}])

    desktop = new_context(viewport={"width": 1280, "height": 800})
    sign_in_with_cookie(desktop, app_server, user)
    page = _open_page(desktop, "/")
    _bell_count(page, 4)
    page.screenshot(path=artifacts_dir / "bell-closed.png", clip={"x": 0, "y": 0, "width": 1280, "height": 120})
    page.get_by_test_id("bell-button").click()
    expect(page.get_by_test_id("bell-item")).to_have_count(4)
    page.wait_for_timeout(400)  # the popover's entrance animation
    page.screenshot(path=artifacts_dir / "bell-open.png")
    _fits(page, "bell-panel", 1280)

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in_with_cookie(phone, app_server, user)
    small = _open_page(phone, "/operator")
    small.get_by_test_id("bell-button").click()
    expect(small.get_by_test_id("bell-item")).to_have_count(4)
    small.wait_for_timeout(400)
    _fits(small, "bell-panel", PHONE["width"])
    small.screenshot(path=artifacts_dir / "bell-open-phone.png")
    small.set_viewport_size({"width": 360, "height": 740})
    small.wait_for_timeout(300)
    _fits(small, "bell-panel", 360)
