"""What a new notification does besides the list: toasts (urgent ones stay), the optional
sound, and the desktop notification for hidden tabs when the user allowed it.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import item, open_center, sign_in_with_cookie, toast, wait_connected

# Headless Chromium has no notification UI and its tabs are never hidden: stand-ins that
# record what the page asks for, and a switch for `document.hidden`.
FAKE_BROWSER_APIS_JS = """
window.__desktop = [];
window.__permissionAsked = 0;
window.Notification = class {
  constructor(title, options = {}) { window.__desktop.push({title, body: options.body, tag: options.tag}); }
  static get permission() { window.__permissionAsked += 1; return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
Object.defineProperty(document, "hidden", {configurable: true, get: () => window.__pretendHidden === true});
"""


def _center_with_desktop_alerts(context: BrowserContext, app_server, user) -> Page:
    """`/` signed in as `user`, desktop notifications switched on (into the stand-in above)."""
    context.add_init_script(FAKE_BROWSER_APIS_JS)
    sign_in_with_cookie(context, app_server, user)
    page = open_center(context)
    page.get_by_test_id("desktop-toggle").click()
    expect(page.get_by_test_id("desktop-toggle")).to_have_attribute("aria-checked", "true")
    return page


@pytest.mark.slow
def test_urgent_toasts_stay_until_dismissed(context: BrowserContext, app_server, make_account, operator) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    page = open_center(context)

    operator.send([user.username], "Fire drill", content="Leave by the east stairs.", priority="urgent")
    operator.send([user.username], "Lunch is served", priority="normal")
    urgent, normal = toast(page, "Fire drill"), toast(page, "Lunch is served")
    expect(urgent).to_contain_text("Leave by the east stairs.")
    expect(normal).to_be_visible()

    page.wait_for_timeout(10_000)  # the normal toast's 8 s are over
    expect(normal).to_have_count(0)
    expect(urgent).to_be_visible()
    urgent.locator("[data-close-button]").click()
    expect(urgent).to_have_count(0)


def test_sound_setting_is_remembered_and_used(context: BrowserContext, app_server, make_account, operator) -> None:
    user = make_account()
    sign_in_with_cookie(context, app_server, user)
    page = open_center(context)
    switch = page.get_by_test_id("sound-toggle")
    expect(switch).to_have_attribute("aria-checked", "false")

    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    page.reload()
    expect(page.get_by_test_id("sound-toggle")).to_have_attribute("aria-checked", "true")

    # Only live arrivals alert: what the reloaded tab's catch-up on (re)connect brings in
    # joins the list silently. Once a first notification is in the list, that catch-up
    # is over; then let its sound (if any) and the 1 s sound throttle pass.
    wait_connected(page)
    (warm_up,) = operator.send([user.username], "Warm-up")
    expect(item(page, warm_up)).to_be_visible()
    page.wait_for_timeout(1_500)

    page.evaluate("localStorage.removeItem('nc_sound_at')")
    (notification_id,) = operator.send([user.username], "Ding")
    expect(item(page, notification_id)).to_be_visible()
    expect(toast(page, "Ding")).to_be_visible()
    page.wait_for_function("localStorage.getItem('nc_sound_at') !== null")


def test_desktop_notification_only_while_the_tab_is_hidden(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    user = make_account()
    page = _center_with_desktop_alerts(context, app_server, user)

    page.evaluate("window.__permissionAsked = 0")
    (seen,) = operator.send([user.username], "While you look")
    expect(item(page, seen)).to_be_visible()
    # The row shows before the page runs the alert scripts that came with it: hide the tab
    # only once the desktop script has run (it asks for the permission, then finds the tab
    # visible), or that script would find it hidden.
    page.wait_for_function("window.__permissionAsked > 0")
    page.evaluate("window.__pretendHidden = true")
    (away,) = operator.send([user.username], "While you are away", content="<b>plain</b> text")
    expect(item(page, away)).to_be_visible()

    page.wait_for_function("window.__desktop.length > 0")
    assert page.evaluate("window.__desktop") == [
        {"title": "While you are away", "body": "<b>plain</b> text", "tag": away}
    ]


def test_a_title_with_reflexs_var_tag_alerts_as_text_and_the_server_keeps_answering(
    context: BrowserContext, app_server, make_account, operator
) -> None:
    # Reflex 0.10.1 looped forever building a toast or script from this text (issue 16).
    tag = "<reflex.Var>x</reflex.Var>"
    user = make_account()
    page = _center_with_desktop_alerts(context, app_server, user)

    (shown,) = operator.send([user.username], tag, content=f"body {tag}")
    # The live row's text came back through the page's socket, where every string is made
    # inert: it reads the same, with an invisible WORD JOINER after "<" (README).
    expect(item(page, shown)).to_contain_text("reflex.Var>x</reflex.Var>")
    assert tag in item(page, shown).inner_text().replace("\u2060", "")
    expect(toast(page, "reflex.Var>x</reflex.Var>")).to_be_visible()
    assert httpx.get(app_server.url + "/api/health", timeout=1).status_code == 200

    page.evaluate("window.__pretendHidden = true")
    (away,) = operator.send([user.username], tag)
    expect(item(page, away)).to_be_visible()
    page.wait_for_function("window.__desktop.length > 0")
    (desktop,) = page.evaluate("window.__desktop")
    assert desktop["title"].replace("\u2060", "") == tag and desktop["tag"] == away
