"""Seen, archive, delete and bulk actions with undo on `/`, in the browser, across tabs."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import item, open_center, sign_in_with_cookie, unread_badge

# Playwright's pages are all "visible"; this makes one look hidden (or visible again) to
# the page, as a background tab would, and tells it so the way the browser does.
SET_VISIBILITY_JS = """(hidden) => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => hidden ? "hidden" : "visible"});
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def _hide(page: Page, hidden: bool = True) -> None:
    page.evaluate(SET_VISIBILITY_JS, hidden)


def _unseen(page: Page):
    return page.get_by_test_id("unseen-count")


def _items(page: Page):
    return page.get_by_test_id("notification-item")


def _signed_in(new_context, app_server, account) -> BrowserContext:
    context = new_context()
    sign_in_with_cookie(context, app_server, account)
    return context


def test_showing_the_list_marks_it_seen_in_every_tab(
    new_context, app_server, make_account, operator, artifacts_dir: Path
) -> None:
    user = make_account()
    context = _signed_in(new_context, app_server, user)
    first, second = open_center(context), open_center(context)
    _hide(first)
    _hide(second)
    ids = [operator.send([user.username], f"While away {n}")[0] for n in range(2)]

    # Nobody looked yet: both tabs count them as new, and the rows look unseen.
    for page in (first, second):
        expect(_unseen(page)).to_have_attribute("data-count", "2")
        expect(item(page, ids[0])).to_have_attribute("data-seen", "false")
        expect(item(page, ids[0])).to_contain_text("New")
    expect(unread_badge(first)).to_have_text("2")
    first.screenshot(path=artifacts_dir / "inbox-unseen.png")

    _hide(first, hidden=False)  # the user comes back to the first tab: its list is shown

    for page in (first, second):
        expect(_unseen(page)).to_have_attribute("data-count", "0")
        for notification_id in ids:
            expect(item(page, notification_id)).to_have_attribute("data-seen", "true")
            expect(item(page, notification_id)).not_to_contain_text("New")
    # Seen is not read: the unread badge keeps its count.
    expect(unread_badge(first)).to_have_text("2")
    expect(unread_badge(second)).to_have_text("2")

    # One arriving while the tab is on screen is seen at once; the hidden tab agrees.
    (live,) = operator.send([user.username], "While looking")
    expect(item(first, live)).to_have_attribute("data-seen", "true")
    expect(_unseen(second)).to_have_attribute("data-count", "0")
    expect(unread_badge(second)).to_have_text("3")


def test_archive_moves_an_item_to_the_archived_view_and_back(new_context, app_server, make_account, operator) -> None:
    user = make_account()
    keep, shelve = (operator.send([user.username], title)[0] for title in ("Keep me", "Shelve me"))
    context = _signed_in(new_context, app_server, user)
    page, other_tab = open_center(context), open_center(context)

    item(page, shelve).get_by_test_id("archive").click()
    expect(item(page, shelve)).to_have_count(0)
    expect(item(other_tab, shelve)).to_have_count(0)  # every tab
    expect(item(page, keep)).to_be_visible()
    expect(page.get_by_test_id("undo-toast")).to_contain_text("Archived 1 notification")
    expect(unread_badge(page)).to_have_text("1")

    page.get_by_test_id("view-archived").click()
    expect(page.get_by_test_id("view-archived")).to_have_attribute("data-active", "true")
    expect(item(page, shelve)).to_be_visible()
    expect(item(page, keep)).to_have_count(0)
    expect(_items(page)).to_have_count(1)

    item(page, shelve).get_by_test_id("unarchive").click()
    expect(item(page, shelve)).to_have_count(0)
    expect(item(other_tab, shelve)).to_be_visible()  # back in the other tab's inbox
    page.get_by_test_id("view-archived").click()
    expect(item(page, shelve)).to_be_visible()
    expect(unread_badge(page)).to_have_text("2")


def test_delete_removes_an_item_from_every_tab_for_good(new_context, app_server, make_account, operator) -> None:
    user = make_account()
    gone, stays = (operator.send([user.username], title)[0] for title in ("Delete me", "Stay"))
    context = _signed_in(new_context, app_server, user)
    page, other_tab = open_center(context), open_center(context)

    item(page, gone).get_by_test_id("delete").click()
    expect(item(page, gone)).to_have_count(0)
    expect(item(other_tab, gone)).to_have_count(0)
    expect(unread_badge(other_tab)).to_have_text("1")
    page.reload()
    expect(item(page, stays)).to_be_visible()
    expect(item(page, gone)).to_have_count(0)
    page.get_by_test_id("view-archived").click()
    expect(page.get_by_test_id("empty-state")).to_be_visible()


def test_archive_all_read_then_undo_restores_them(
    new_context, app_server, make_account, operator, artifacts_dir: Path
) -> None:
    user = make_account()
    ids = [operator.send([user.username], f"Item {n}")[0] for n in range(3)]
    context = _signed_in(new_context, app_server, user)
    page, other_tab = open_center(context), open_center(context)
    item(page, ids[0]).get_by_test_id("mark-read").click()
    item(page, ids[1]).get_by_test_id("mark-read").click()
    expect(unread_badge(other_tab)).to_have_text("1")

    page.get_by_test_id("archive-all-read").click()
    for page_ in (page, other_tab):
        expect(_items(page_)).to_have_count(1)
        expect(item(page_, ids[2])).to_be_visible()
    expect(page.get_by_test_id("undo-toast")).to_contain_text("Archived 2 notifications")
    page.screenshot(path=artifacts_dir / "inbox-undo-toast.png")

    page.get_by_test_id("undo-button").click()
    for page_ in (page, other_tab):
        expect(_items(page_)).to_have_count(3)
        expect(item(page_, ids[0])).to_have_attribute("data-read", "true")
        expect(item(page_, ids[2])).to_have_attribute("data-read", "false")
    expect(page.get_by_test_id("undo-toast")).to_have_count(0)
    page.get_by_test_id("view-archived").click()
    expect(page.get_by_test_id("empty-state")).to_be_visible()


def test_bulk_actions_act_on_the_view_shown(new_context, app_server, make_account, operator) -> None:
    user = make_account()
    inbox_ids = [operator.send([user.username], f"Inbox {n}")[0] for n in range(2)]
    (archived,) = operator.send([user.username], "Archived one")
    context = _signed_in(new_context, app_server, user)
    page = open_center(context)
    item(page, archived).get_by_test_id("archive").click()
    expect(item(page, archived)).to_have_count(0)

    # "Delete all" in the Archived view deletes the archived rows only.
    page.get_by_test_id("view-archived").click()
    expect(item(page, archived)).to_be_visible()
    page.get_by_test_id("delete-all").click()
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    expect(page.get_by_test_id("undo-toast")).to_contain_text("Deleted 1 notification")
    page.get_by_test_id("view-archived").click()
    for notification_id in inbox_ids:
        expect(item(page, notification_id)).to_be_visible()

    # "Mark all read" and "Delete all" in the inbox, and Undo brings them back unread.
    page.get_by_test_id("mark-all-read").click()
    expect(unread_badge(page)).to_have_text("0")
    page.get_by_test_id("delete-all").click()
    expect(_items(page)).to_have_count(0)
    page.get_by_test_id("undo-button").click()
    expect(_items(page)).to_have_count(2)
    expect(unread_badge(page)).to_have_text("0")  # they come back as they were: read
