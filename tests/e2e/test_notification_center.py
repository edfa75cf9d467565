"""The notification center at `/`: live arrival, read state across tabs, safety, paging."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, expect

from tests.e2e.helpers import (
    item,
    open_center,
    sign_in_with_cookie,
    toast,
    unread_badge,
)


def items(page):
    return page.get_by_test_id("notification-item")


def test_operator_form_send_reaches_the_users_open_tab(new_context, app_server, make_account) -> None:
    user = make_account()
    operator = make_account(role="operator", prefix="op")
    user_context = new_context()
    sign_in_with_cookie(user_context, app_server, user)
    center = open_center(user_context)
    expect(unread_badge(center)).to_have_text("0")

    operator_context = new_context()
    sign_in_with_cookie(operator_context, app_server, operator)
    form = operator_context.new_page()
    form.goto("/operator")
    form.get_by_test_id("send-title").fill("Deploy finished")
    form.get_by_test_id("send-content").fill("Version 2.4 is live.")
    form.get_by_test_id("send-type").select_option("success")
    form.get_by_test_id("send-priority").select_option("high")
    form.get_by_test_id("send-recipients").fill(user.username)
    form.get_by_test_id("send-submit").click()
    expect(form.get_by_test_id("send-result")).to_have_text(re.compile(r"Sent 1 notification\b"))

    # Without a reload: toast with title and content, new item on top, badge up by one.
    expect(toast(center, "Deploy finished")).to_contain_text("Version 2.4 is live.")
    first = items(center).first
    expect(first).to_contain_text("Deploy finished")
    expect(first).to_have_attribute("data-read", "false")
    expect(first).to_have_attribute("data-type", "success")
    expect(first).to_have_attribute("data-priority", "high")
    expect(unread_badge(center)).to_have_text("1")


def test_operator_form_reports_invalid_input_naming_the_field(new_context, app_server, make_account) -> None:
    operator = make_account(role="operator", prefix="op")
    context = new_context()
    sign_in_with_cookie(context, app_server, operator)
    form = context.new_page()
    form.goto("/operator")
    result = form.get_by_test_id("send-result")

    form.get_by_test_id("send-recipients").fill(operator.username)
    form.get_by_test_id("send-submit").click()  # no title
    expect(result).to_contain_text("title")
    expect(result).to_have_attribute("data-ok", "false")

    form.get_by_test_id("send-title").fill("x" * 201)
    form.get_by_test_id("send-submit").click()
    expect(result).to_contain_text("title")
    expect(result).to_contain_text("200")

    form.get_by_test_id("send-title").fill("Hello")
    form.get_by_test_id("send-recipients").fill(f"{operator.username}, nobody-by-this-name")
    form.get_by_test_id("send-submit").click()
    expect(result).to_contain_text("recipients")
    expect(result).to_contain_text("nobody-by-this-name")

    form.get_by_test_id("send-recipients").fill(" , ")
    form.get_by_test_id("send-submit").click()
    expect(result).to_contain_text("recipients")

    # Nothing of the above was sent.
    listing = form.request.get("/api/notifications").json()
    assert listing["items"] == []


def test_two_tabs_of_one_user_both_update(context: BrowserContext, app_server, make_account, operator) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    first, second = open_center(context), open_center(context)

    (notification_id,) = operator.send([user.username], "Two tabs", content="both see it")

    for tab in (first, second):
        expect(item(tab, notification_id)).to_be_visible()
        expect(toast(tab, "Two tabs")).to_be_visible()
        expect(unread_badge(tab)).to_have_text("1")


def test_mark_read_persists_and_updates_the_other_tab(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    user = make_account()
    ids = [operator.send([user.username], f"Read me {n}")[0] for n in range(3)]
    sign_in_with_cookie(context, app_server, user)
    first, second = open_center(context), open_center(context)
    expect(unread_badge(first)).to_have_text("3")

    item(first, ids[0]).get_by_test_id("mark-read").click()

    expect(item(first, ids[0])).to_have_attribute("data-read", "true")
    expect(unread_badge(first)).to_have_text("2")
    expect(unread_badge(second)).to_have_text("2")
    expect(item(second, ids[0])).to_have_attribute("data-read", "true")

    first.reload()
    expect(item(first, ids[0])).to_have_attribute("data-read", "true")
    expect(item(first, ids[1])).to_have_attribute("data-read", "false")
    expect(unread_badge(first)).to_have_text("2")

    second.get_by_test_id("mark-all-read").click()
    expect(unread_badge(second)).to_have_text("0")
    expect(unread_badge(first)).to_have_text("0")
    for notification_id in ids:
        expect(item(first, notification_id)).to_have_attribute("data-read", "true")
    second.reload()
    expect(unread_badge(second)).to_have_text("0")
    expect(second.get_by_test_id("mark-all-read")).to_be_disabled()


def test_html_in_a_title_is_shown_as_text_and_never_runs(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    page = open_center(context)
    title = "<img src=x onerror=window.__pwned=1>"
    content = "<script>window.__pwned=2</script><b>bold?</b>"

    (live_id,) = operator.send([user.username], title, content=content)

    expect(item(page, live_id)).to_contain_text(title)
    expect(item(page, live_id)).to_contain_text(content)
    expect(toast(page, title)).to_be_visible()
    page.reload()  # and the same when it comes from the list, not the stream
    expect(item(page, live_id)).to_contain_text(title)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("[data-testid=notification-item] img, [data-testid=notification-item] b").count() == 0


def test_notifications_sent_while_signed_out_are_listed_on_return(
    new_context, app_server, make_account, operator
) -> None:
    user = make_account()
    first_visit = new_context()
    sign_in_with_cookie(first_visit, app_server, user)
    page = open_center(first_visit)
    page.get_by_test_id("logout-button").click()
    expect(page).to_have_url(re.compile(r"/login"))

    ids = [operator.send([user.username], f"While you were away {n}")[0] for n in range(3)]

    later = new_context()
    sign_in_with_cookie(later, app_server, user)
    page = open_center(later)
    expect(items(page)).to_have_count(3)
    # Newest first.
    assert [items(page).nth(i).get_attribute("data-notification-id") for i in range(3)] == ids[::-1]
    expect(unread_badge(page)).to_have_text("3")


def test_load_more_pages_through_older_notifications(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    user = make_account()
    ids = operator.send([user.username], "Old news")  # the oldest
    for n in range(24):
        ids += operator.send([user.username], f"Batch {n}")
    sign_in_with_cookie(context, app_server, user)
    page = open_center(context)
    expect(items(page)).to_have_count(20)
    expect(unread_badge(page)).to_have_text("25")

    page.get_by_test_id("load-more").click()

    expect(items(page)).to_have_count(25)
    expect(items(page).last).to_have_attribute("data-notification-id", ids[0])
    expect(page.get_by_test_id("load-more")).to_have_count(0)
    shown = [items(page).nth(i).get_attribute("data-notification-id") for i in range(25)]
    assert shown == ids[::-1]


def test_empty_state_for_a_new_user(context: BrowserContext, app_server, make_account) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    page = open_center(context)
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    expect(unread_badge(page)).to_have_text("0")
    expect(page.get_by_test_id("mark-all-read")).to_be_disabled()


def test_non_operator_cannot_reach_the_form(context: BrowserContext, app_server, make_account) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    page = context.new_page()
    page.goto("/operator")

    expect(page.get_by_test_id("operator-forbidden")).to_be_visible()
    for test_id in ("send-title", "send-content", "send-recipients", "send-submit", "stat-total-clients"):
        expect(page.get_by_test_id(test_id)).to_have_count(0)
    assert page.request.post("/api/notifications", data={"title": "x", "recipients": "all"}).status == 403


def test_operator_stats_refresh_by_themselves(new_context, app_server, make_account) -> None:
    operator = make_account(role="operator", prefix="op")
    user = make_account()
    operator_context = new_context()
    sign_in_with_cookie(operator_context, app_server, operator)
    stats = operator_context.new_page()
    stats.goto("/operator")
    total = stats.get_by_test_id("stat-total-clients")
    expect(total).to_have_text(re.compile(r"^\d+$"))
    listed = stats.get_by_test_id("stat-user-counts").get_by_text(user.username, exact=True)
    expect(listed).to_have_count(0)

    user_context = new_context()
    sign_in_with_cookie(user_context, app_server, user)
    open_center(user_context)
    open_center(user_context)

    # No reload: the page polls. Two tabs of one browser hold one stream between them.
    expect(listed).to_have_count(1, timeout=10_000)
    expect(stats.get_by_role("row", name=f"{user.username} 1", exact=True)).to_be_visible()
    assert int(total.inner_text()) >= 1
    assert int(stats.get_by_test_id("stat-connected-users").inner_text()) >= 1
    user_context.close()
    expect(listed).to_have_count(0, timeout=10_000)


def test_indicator_text_and_reconnect_button(context: BrowserContext, app_server, make_account, operator) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    page = open_center(context)
    status = page.get_by_test_id("connection-status")
    expect(status).to_have_text("Connected")
    expect(page.get_by_test_id("reconnect-button")).to_have_count(0)

    page.evaluate("window.ncNotificationStream.disconnect()")  # the component's own action

    expect(status).to_have_attribute("data-state", "disconnected")
    expect(status).to_have_text("Disconnected")
    (missed,) = operator.send([user.username], "Sent while disconnected")
    page.get_by_test_id("reconnect-button").click()
    expect(status).to_have_attribute("data-state", "connected")
    expect(page.get_by_test_id("reconnect-button")).to_have_count(0)
    # Resumed from its cursor: what was sent meanwhile arrives too.
    expect(item(page, missed)).to_be_visible()
    expect(unread_badge(page)).to_have_text("1")


def _watch_stats(page, username: str) -> list[str]:
    """Websocket frames reaching `page` that mention `username`, from now on."""
    seen: list[str] = []

    def on_socket(socket) -> None:
        socket.on(
            "framereceived",
            lambda frame: seen.append(frame) if isinstance(frame, str) and username in frame else None,
        )

    page.on("websocket", on_socket)
    return seen


def _operator_watching(new_context, app_server, make_account):
    """An operator's /operator tab showing a connected user in its stats."""
    operator = make_account(role="operator", prefix="op")
    user = make_account()
    user_context = new_context()
    sign_in_with_cookie(user_context, app_server, user)
    open_center(user_context)

    operator_context = new_context()
    sign_in_with_cookie(operator_context, app_server, operator)
    stats = operator_context.new_page()
    frames = _watch_stats(stats, user.username)
    stats.goto("/operator")
    listed = stats.get_by_test_id("stat-user-counts").get_by_text(user.username, exact=True)
    expect(listed).to_have_count(1, timeout=10_000)
    return operator, operator_context, stats, frames


def test_operator_stats_stop_after_a_demotion(new_context, app_server, make_account) -> None:
    operator, _context, stats, frames = _operator_watching(new_context, app_server, make_account)

    app_server.create_user(operator.username, operator.password, role="user")

    # The next tick (every 2 s) checks the role again: no reload needed.
    expect(stats.get_by_test_id("operator-forbidden")).to_be_visible(timeout=10_000)
    for test_id in ("stat-total-clients", "stat-user-counts", "send-title", "send-submit"):
        expect(stats.get_by_test_id(test_id)).to_have_count(0)
    # And the server sends no more stats to this tab.
    frames.clear()
    stats.wait_for_timeout(5_000)
    assert frames == []
    expect(stats.get_by_test_id("operator-forbidden")).to_be_visible()


def test_operator_stats_stop_after_signing_out_in_another_tab(new_context, app_server, make_account) -> None:
    _operator, context, stats, frames = _operator_watching(new_context, app_server, make_account)
    other = context.new_page()
    other.goto("/operator")
    expect(other.get_by_test_id("send-title")).to_be_visible()

    other.get_by_test_id("logout-button").click()
    expect(other).to_have_url(re.compile(r"/login"))

    # Its stream (the bell's) or its next stats tick finds the session gone: back here after sign-in.
    expect(stats).to_have_url(re.compile(r"/login/?\?next=/operator$"), timeout=10_000)
    expect(stats.get_by_test_id("login-submit")).to_be_visible()
    frames.clear()
    stats.wait_for_timeout(3_000)
    assert frames == []
