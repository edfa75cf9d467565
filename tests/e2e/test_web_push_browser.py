"""Web Push in a real Chromium (issue 17): the service worker at /sw.js registers; a push
the app sent to the local RFC 8030 push service (tests/support/push_service.py), decrypted
there and handed to the browser through the DevTools protocol
(`ServiceWorker.deliverPushMessage`), shows a system notification with its title; its
click reads the item in every open tab and counts as clicked in the history. The
preferences page saves the push column, "Enable push" answers with what the browser said,
the subscribed browsers are listed and removed, and the bell hints when push is blocked.

Chromium here has no route to a real push service (no network), so the browser's own
`pushManager.subscribe` cannot succeed: the subscription the app pushes to is made the
way a browser makes one (BrowserSubscription: a P-256 key and an auth secret), and the
page's "Enable push" is checked for the answer it shows."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, CDPSession, Page, expect

from tests.conftest import APP_ENV, Account
from tests.e2e.helpers import Operator, item, open_center, sign_in_with_cookie
from tests.support.processes import AppServer
from tests.support.push_service import BrowserSubscription, PushService
from tests.support.waiting import wait_for


@pytest.fixture(scope="module")
def push_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PushService]:
    service = PushService(tmp_path_factory.mktemp("push-tls")).start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def push_server(tmp_root: Path, push_service: PushService) -> Iterator[AppServer]:
    env = {
        **APP_ENV,
        "NC_SCHEDULER_INTERVAL_SECONDS": "0.1",
        "NC_PUSH_CA_BUNDLE": str(push_service.ca_path),
        "NC_PUSH_ALLOWED_HOSTS": "127.0.0.1,.push.example",
        "NC_PUSH_OFFLINE_GRACE_SECONDS": "0.3",
    }
    server = AppServer(tmp_root / "push-browser", env).start()
    yield server
    server.stop()


@pytest.fixture
def person(push_server: AppServer) -> Account:
    account = Account(f"p{secrets.token_hex(4)}", secrets.token_urlsafe(12), "user")
    push_server.create_user(account.username, account.password)
    return account


@pytest.fixture
def push_operator(push_server: AppServer) -> Iterator[Operator]:
    account = Account(f"op{secrets.token_hex(4)}", secrets.token_urlsafe(12), "operator")
    push_server.create_user(account.username, account.password, "operator")
    client = push_server.login(account.username, account.password)
    yield Operator(account, client)
    client.close()


def _signed_in(new_context, server: AppServer, account: Account, **options) -> BrowserContext:
    context = new_context(server, **options)
    sign_in_with_cookie(context, server, account)
    return context


def _worker_ready(page: Page) -> None:
    """The bell's component registered /sw.js and it is active."""
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/"


def _registration_id(context: BrowserContext, page: Page, origin: str) -> tuple[str, CDPSession]:
    """The worker's registration id, as the DevTools protocol names it."""
    cdp = context.new_cdp_session(page)
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(
            r["registrationId"]
            for r in event["registrations"]
            if r["scopeURL"].startswith(origin) and not r["isDeleted"]
        ),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(200):  # Playwright delivers CDP events only while it is called: wait through it
        if found:
            return found[-1], cdp
        page.wait_for_timeout(50)
    raise AssertionError("the service worker's registration was never reported")


def _shown(page: Page) -> list[dict]:
    return page.evaluate(
        "navigator.serviceWorker.ready.then((r) => r.getNotifications())"
        ".then((ns) => ns.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))"
    )


def test_a_push_shows_a_notification_and_its_click_reads_it_in_every_tab(
    new_context,
    artifacts_dir: Path,
    push_server: AppServer,
    push_service: PushService,
    person: Account,
    push_operator: Operator,
) -> None:
    context = _signed_in(new_context, push_server, person)
    context.grant_permissions(["notifications"], origin=push_server.url)
    first = open_center(context)
    second = open_center(context)
    _worker_ready(first)

    # This user's browser, subscribed as a browser subscribes; pushes even with tabs open.
    browser = BrowserSubscription(push_service.endpoint())
    answer = first.request.post(f"{push_server.url}/api/push/subscriptions", data=browser.to_json())
    assert answer.status == 201, answer.text()
    answer = first.request.put(
        f"{push_server.url}/api/preferences", data={"preferences": {"general": {"push": "always"}}}
    )
    assert answer.ok, answer.text()

    (notification_id,) = push_operator.send(
        [person.username], "Deploy finished", content="v42 is live", url="/preferences"
    )
    expect(item(first, notification_id)).to_be_visible()
    (received,) = wait_for(lambda: push_service.for_token(browser.token), timeout=15, what="the push")
    payload = browser.decrypt(received.body)
    assert payload["title"] == "Deploy finished" and payload["id"] == notification_id

    registration_id, cdp = _registration_id(context, first, push_server.url)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": push_server.url, "registrationId": registration_id, "data": json.dumps(payload)},
    )
    shown = wait_for(lambda: _shown(first), timeout=20, what="the system notification")
    assert [(n["title"], n["body"]) for n in shown] == [("Deploy finished", "v42 is live")]
    assert shown[0]["data"] == {"id": notification_id, "url": "/preferences"}

    # The click, as the browser dispatches it: the worker's own handler on the shown notification.
    (worker,) = context.service_workers
    worker.evaluate(
        "async () => { const [shown] = await self.registration.getNotifications(); await handleClick(shown); }"
    )
    # One tab is brought to the notification's link; the other shows it read, live.
    wait_for(
        lambda: (
            first.wait_for_timeout(50) or [p for p in (first, second) if p.url.rstrip("/").endswith("/preferences")]
        ),
        what="a tab at the link",
    )
    (stayed,) = [p for p in (first, second) if not p.url.rstrip("/").endswith("/preferences")]
    expect(item(stayed, notification_id)).to_have_attribute("data-read", "true")
    listed = first.request.get(f"{push_server.url}/api/notifications").json()["items"]
    assert [n["readAt"] is not None for n in listed if n["id"] == notification_id] == [True]
    assert _shown(first) == []  # the click closed it

    sends = push_operator.client.get("/api/history").json()["items"]
    (send,) = [s for s in sends if s["title"] == "Deploy finished"]
    assert send["channels"]["push"]["sent"] == 1 and send["channels"]["push"]["clicked"] == 1
    detail = push_operator.client.get(f"/api/history/{send['id']}").json()
    (recipient,) = detail["recipients"]
    assert recipient["channels"]["push"]["status"] == "sent" and recipient["channels"]["push"]["clickedAt"]

    # The operator's pages show the same figures.
    console = _signed_in(new_context, push_server, push_operator.account).new_page()
    console.goto("/operator/history")
    row = console.locator(f'[data-testid="history-row"][data-send-id="{send["id"]}"]')
    expect(row).to_have_attribute("data-push-clicked", "1")
    expect(row.get_by_test_id("history-channels")).to_have_text("push: 1 sent, 1 clicked")
    console.goto("/operator")
    push = console.locator('[data-testid="console-channel"][data-channel="push"]')
    expect(push).to_have_attribute("data-clicked", "1")
    expect(push).to_have_attribute("data-sent", "1")
    console.get_by_test_id("console-channels").screenshot(path=str(artifacts_dir / "console-channels.png"))


def test_a_group_push_replaces_the_last_one_and_text_stays_text(
    new_context, push_server: AppServer, person: Account
) -> None:
    context = _signed_in(new_context, push_server, person)
    context.grant_permissions(["notifications"], origin=push_server.url)
    page = open_center(context)
    _worker_ready(page)
    registration_id, cdp = _registration_id(context, page, push_server.url)
    for n, title in enumerate(("<b>1 build failed</b>", "<img src=x onerror=alert(1)> 2 builds failed")):
        data = {"title": title, "body": "<i>ci</i>", "id": f"notif_{n}", "url": "https://evil.example/", "tag": "ci"}
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": push_server.url, "registrationId": registration_id, "data": json.dumps(data)},
        )
        wait_for(lambda title=title: [n for n in _shown(page) if n["title"] == title], timeout=10, what="the push")
    (shown,) = _shown(page)  # one per tag: the second replaced the first
    assert shown["title"] == "<img src=x onerror=alert(1)> 2 builds failed" and shown["tag"] == "ci"
    # Not ours (no JSON): nothing of ours is shown for it.
    cdp.send(
        "ServiceWorker.deliverPushMessage", {"origin": push_server.url, "registrationId": registration_id, "data": "hi"}
    )
    assert [n["title"] for n in _shown(page) if n["tag"] == "ci"] == [shown["title"]]


def test_the_preferences_grid_saves_push_and_lists_browsers_with_remove(
    new_context,
    artifacts_dir: Path,
    push_server: AppServer,
    push_service: PushService,
    person: Account,
    push_operator: Operator,
) -> None:
    critical = f"alarm-{secrets.token_hex(3)}"
    made = push_operator.client.post(
        "/api/categories", json={"slug": critical, "name": "Alarm", "description": "Pages", "critical": True}
    )
    assert made.status_code == 201, made.text
    context = _signed_in(new_context, push_server, person)
    api = context.request
    for agent in ("Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36", "Mozilla/5.0 (Windows) Firefox/140.0"):
        r = api.post(
            f"{push_server.url}/api/push/subscriptions",
            data=BrowserSubscription(push_service.endpoint()).to_json(),
            headers={"User-Agent": agent},
        )
        assert r.status == 201, r.text()

    page = context.new_page()
    page.goto("/preferences")
    select = page.get_by_test_id("pref-general-push")
    expect(select).to_have_text("When offline")  # the default
    select.click()
    page.get_by_role("option", name="Always").click()
    expect(select).to_have_text("Always")
    wait_for(
        lambda: api.get(f"{push_server.url}/api/preferences").json()["preferences"]["general"]["push"] == "always",
        what="the saved push choice",
    )
    # A critical category offers no "never".
    page.get_by_test_id(f"pref-{critical}-push").click()
    expect(page.get_by_role("option", name="When offline")).to_be_visible()
    expect(page.get_by_role("option", name="Never")).to_have_count(0)
    page.keyboard.press("Escape")

    browsers = page.get_by_test_id("push-browser")
    expect(browsers).to_have_count(2)
    expect(browsers.filter(has_text="Chrome on Linux")).to_have_count(1)
    expect(browsers.filter(has_text="Firefox on Windows")).to_have_count(1)
    page.screenshot(path=str(artifacts_dir / "preferences-push.png"), full_page=True)
    browsers.filter(has_text="Firefox on Windows").get_by_test_id("push-remove").click()
    expect(browsers).to_have_count(1)
    items = api.get(f"{push_server.url}/api/push/subscriptions").json()["items"]
    assert [i["userAgent"] for i in items] == ["Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36"]


def test_enable_push_shows_the_browsers_answer(new_context, push_server: AppServer, person: Account) -> None:
    context = _signed_in(new_context, push_server, person)
    page = context.new_page()
    page.goto("/preferences")
    # Nothing asked before the click.
    expect(page.get_by_test_id("push-permission")).to_have_attribute("data-permission", "default")
    context.grant_permissions(["notifications"], origin=push_server.url)
    page.get_by_test_id("push-enable").click()
    answer = page.get_by_test_id("push-answer")
    expect(answer).to_be_visible()
    # This Chromium reaches no push service: the browser's refusal is shown as it said it.
    expect(answer).to_contain_text("push service")
    expect(page.get_by_test_id("push-permission")).to_have_attribute("data-permission", "granted")
    assert context.request.get(f"{push_server.url}/api/push/subscriptions").json()["items"] == []


def test_the_bell_hints_when_push_is_blocked(browser, new_context, push_server: AppServer, person: Account) -> None:
    context = _signed_in(new_context, push_server, person)
    page = open_center(context)
    page.get_by_test_id("bell-button").click()
    expect(page.get_by_test_id("bell-panel")).to_be_visible()
    expect(page.get_by_test_id("bell-push-hint")).to_have_count(0)
    page.keyboard.press("Escape")
    # Playwright can only grant; the browser-wide DevTools session can deny, per context.
    target = context.new_cdp_session(page).send("Target.getTargetInfo")["targetInfo"]
    browser.new_browser_cdp_session().send(
        "Browser.setPermission",
        {
            "permission": {"name": "notifications"},
            "setting": "denied",
            "origin": push_server.url,
            "browserContextId": target["browserContextId"],
        },
    )
    page.reload()
    page.get_by_test_id("bell-button").click()
    expect(page.get_by_test_id("bell-push-hint")).to_be_visible()
