"""A long-lived busy tab keeps a bounded list: at most list_window.CAP rows in its state
(and on the page), with older rows on demand and the newest one click away."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, expect

from notification_center.state.list_window import CAP
from tests.e2e.helpers import Operator, item, open_center, sign_in_with_cookie
from tests.support.processes import AppServer


def test_list_stays_bounded_and_load_more_still_works(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    account = make_account()
    earlier = [operator.send([account.username], f"earlier {n}")[0] for n in range(CAP)]
    sign_in_with_cookie(context, app_server, account)
    page = open_center(context)
    rows = page.get_by_test_id("notification-item")
    load_more = page.get_by_test_id("load-more")
    while load_more.is_visible():  # 20 a page, up to the cap
        count = rows.count()
        load_more.click()
        expect(rows).not_to_have_count(count)
    expect(rows).to_have_count(CAP)
    expect(item(page, earlier[0])).to_be_visible()

    live = [operator.send([account.username], f"live {n}")[0] for n in range(5)]
    expect(item(page, live[-1])).to_be_visible()
    expect(rows).to_have_count(CAP)  # the five oldest made room
    expect(item(page, earlier[0])).to_have_count(0)

    load_more.click()  # older rows come back; the newest make room at the top
    expect(item(page, earlier[0])).to_be_visible()
    expect(rows).to_have_count(CAP)
    expect(item(page, live[-1])).to_have_count(0)

    page.get_by_test_id("show-newest").click()
    expect(item(page, live[-1])).to_be_visible()
    expect(page.get_by_test_id("show-newest")).to_have_count(0)
    assert rows.count() <= CAP
