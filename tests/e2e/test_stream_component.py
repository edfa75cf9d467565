"""The stream component's browser side (notification_center/web/notification_stream.js) on the real `/` page.

One EventSource per browser, not per tab: a leader tab (Web Locks) holds it and relays to
the others over a BroadcastChannel. These tests look at what the server sees (streams per
user in /api/notifications/stats, the `lastEventId` a new stream resumes from) and at what
the tabs show, for: sharing, actions from a follower tab, hand-over resume without
doubles, waking up early from the backoff (online / visible again), the per-tab fallback
without Web Locks, and unknown event types being ignored.
(tests/e2e/test_shared_stream.py covers many tabs receiving and the basic hand-over.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import BrowserContext, Locator, Page, Request, expect

from tests.conftest import Account
from tests.e2e.helpers import Operator, item, open_center, sign_in_with_cookie, toast
from tests.support.processes import AppServer

STREAM_PATH = "/api/notifications/stream"
JS_STATUS = "window.ncNotificationStream.status()"


# -- helpers --------------------------------------------------------------------------
def wait_until(check: Callable[[], bool], timeout_s: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def user_id(server: AppServer, account: Account) -> str:
    client = server.login(account.username, account.password)
    try:
        return client.get("/api/auth/me").json()["id"]
    finally:
        client.close()


def open_streams(operator: Operator, uid: str) -> int:
    """Streams the server counts for this user (a closed one stops counting within ~2 s)."""
    return operator.client.get("/api/notifications/stats").json()["userClientCounts"].get(uid, 0)


def status(tab: Page) -> Locator:
    return tab.get_by_test_id("connection-status")


def leaders(tabs: list[Page]) -> list[Page]:
    return [t for t in tabs if status(t).get_attribute("data-leader") == "true"]


def the_leader(tabs: list[Page], timeout_s: float = 20) -> Page:
    found: list[Page] = []

    def one() -> bool:
        found[:] = leaders(tabs)
        return len(found) == 1

    wait_until(one, timeout_s, "exactly one leader tab")
    return found[0]


def js_status(tab: Page) -> dict:
    return tab.evaluate(JS_STATUS)


def record_stream_requests(context: BrowserContext) -> list[str]:
    """URLs of every stream the browser opens from now on (any tab)."""
    urls: list[str] = []

    def on_request(request: Request) -> None:
        if urlparse(request.url).path == STREAM_PATH:
            urls.append(request.url)

    context.on("request", on_request)
    return urls


def resume_cursor(url: str) -> str | None:
    return parse_qs(urlparse(url).query).get("lastEventId", [None])[0]


def signed_in_user(context: BrowserContext, app_server: AppServer, make_account) -> tuple[Account, str]:
    account = make_account()
    sign_in_with_cookie(context, app_server, account)
    return account, user_id(app_server, account)


# -- tests ----------------------------------------------------------------------------
def test_a_browser_holds_one_stream_whatever_its_tab_count(
    new_context, app_server: AppServer, make_account, operator: Operator
) -> None:
    first = new_context()
    account, uid = signed_in_user(first, app_server, make_account)
    # Five tabs, while the test server allows a user 4 streams: only works if they share.
    tabs = [open_center(first) for _ in range(5)]
    the_leader(tabs)
    wait_until(lambda: open_streams(operator, uid) == 1, what="one stream for five tabs")

    (nid,) = operator.send([account.username], "Once per tab")
    for tab in tabs:
        expect(item(tab, nid)).to_have_count(1)
        expect(toast(tab, "Once per tab")).to_have_count(1)

    # Another browser (context) of the same user is another stream.
    second = new_context()
    sign_in_with_cookie(second, app_server, account)
    other = open_center(second)
    assert leaders([other]) == [other]
    wait_until(lambda: open_streams(operator, uid) == 2, what="a second browser's stream")
    assert open_streams(operator, uid) == 2


def test_actions_from_a_follower_tab_act_on_the_shared_stream(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    account, uid = signed_in_user(context, app_server, make_account)
    tabs = [open_center(context) for _ in range(2)]
    leader = the_leader(tabs)
    follower = next(t for t in tabs if t is not leader)
    requests = record_stream_requests(context)

    # disconnect() from the follower closes the one stream: every tab shows it.
    follower.evaluate("window.ncNotificationStream.disconnect()")
    for tab in tabs:
        expect(status(tab)).to_have_attribute("data-state", "disconnected")
        expect(tab.get_by_test_id("reconnect-button")).to_be_visible()
    wait_until(lambda: open_streams(operator, uid) == 0, what="the stream to close on the server")
    stored = follower.evaluate(f"localStorage.getItem('nc-notification-stream:cursor:{account.username}')")
    assert stored, "the leader keeps the last cursor in localStorage"

    (missed,) = operator.send([account.username], "Sent while disconnected")
    follower.wait_for_timeout(1500)
    for tab in tabs:
        expect(item(tab, missed)).to_have_count(0)
    # Manually disconnected stays disconnected (no auto-reconnect).
    assert open_streams(operator, uid) == 0
    assert requests == []

    # The follower's reconnect button reconnects the leader's stream, resuming where it was.
    follower.get_by_test_id("reconnect-button").click()
    for tab in tabs:
        expect(status(tab)).to_have_attribute("data-state", "connected")
        expect(item(tab, missed)).to_have_count(1)
        expect(status(tab)).to_have_attribute("data-leader", "true" if tab is leader else "false")
    assert len(requests) == 1, requests
    assert resume_cursor(requests[0]), f"reconnect did not resume from a cursor: {requests[0]}"
    wait_until(lambda: open_streams(operator, uid) == 1, what="one stream again")


def test_the_next_leader_resumes_from_the_last_cursor_and_nothing_doubles(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    account, uid = signed_in_user(context, app_server, make_account)
    tabs = [open_center(context) for _ in range(3)]
    leader = the_leader(tabs)
    rest = [t for t in tabs if t is not leader]
    (before,) = operator.send([account.username], "Before the leader leaves")
    for tab in tabs:
        expect(item(tab, before)).to_be_visible()
    cursor_key = f"nc-notification-stream:cursor:{account.username}"
    cursor_before = rest[0].evaluate(f"JSON.parse(localStorage.getItem('{cursor_key}')).cursor")
    requests = record_stream_requests(context)

    leader.close()
    burst = [operator.send([account.username], f"Hand-over {n}")[0] for n in range(5)]

    new_leader = the_leader(rest)
    assert requests, "no tab took the stream over"
    assert resume_cursor(requests[0]) == cursor_before, (requests, cursor_before)
    for tab in rest:
        for nid in [before, *burst]:
            expect(item(tab, nid)).to_have_count(1)
        expect(status(tab)).to_have_attribute("data-state", "connected")
    assert js_status(new_leader)["isLeader"] is True
    wait_until(lambda: open_streams(operator, uid) == 1, what="exactly one stream after the hand-over")


def test_back_online_reconnects_at_once_instead_of_waiting_out_the_backoff(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    account, _uid = signed_in_user(context, app_server, make_account)
    tabs = [open_center(context) for _ in range(2)]
    leader = the_leader(tabs)

    context.set_offline(True)
    leader.evaluate("window.ncNotificationStream.reconnect()")  # the new attempt fails offline
    # Two failed attempts: the next one is 2 x 3 s away (then 12 s, ...).
    leader.wait_for_function(f"{JS_STATUS}.reconnectAttempts >= 2", polling=100, timeout=20_000)
    assert js_status(leader)["isConnected"] is False
    (nid,) = operator.send([account.username], "While offline")

    context.set_offline(False)  # fires `online`: reconnect now
    started = time.monotonic()
    leader.wait_for_function(f"{JS_STATUS}.isConnected", polling=100, timeout=20_000)
    assert time.monotonic() - started < 4, "waited out the backoff instead of reconnecting at once"
    for tab in tabs:
        expect(status(tab)).to_have_attribute("data-state", "connected")
        expect(item(tab, nid)).to_have_count(1)
    assert js_status(leader)["reconnectAttempts"] == 0


def test_visible_again_in_a_follower_tab_wakes_the_leader(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    signed_in_user(context, app_server, make_account)
    tabs = [open_center(context) for _ in range(2)]
    leader = the_leader(tabs)
    follower = next(t for t in tabs if t is not leader)

    def refuse(route) -> None:
        route.fulfill(status=503, content_type="application/json", body='{"error": "unavailable"}')

    # The server is away for the stream and for /api/health alike: with health answering,
    # the component would (rightly) take the refusals for SSE not getting through and move
    # to the WebSocket (tests/e2e/test_stream_transports.py).
    context.route(f"**{STREAM_PATH}*", refuse)
    context.route("**/api/health*", refuse)
    leader.evaluate("window.ncNotificationStream.reconnect()")
    leader.wait_for_function(f"{JS_STATUS}.reconnectAttempts >= 2", polling=100, timeout=20_000)
    for tab in tabs:
        expect(status(tab)).to_have_attribute("data-state", "disconnected")
        expect(tab.get_by_test_id("reconnect-button")).to_be_visible()
    context.unroute(f"**{STREAM_PATH}*", refuse)
    context.unroute("**/api/health*", refuse)

    started = time.monotonic()
    follower.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # relayed to the leader
    leader.wait_for_function(f"{JS_STATUS}.isConnected", polling=100, timeout=20_000)
    assert time.monotonic() - started < 4, "waited out the backoff instead of reconnecting at once"
    for tab in tabs:
        expect(status(tab)).to_have_attribute("data-state", "connected")


def test_without_web_locks_every_tab_has_its_own_stream(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'locks', {get() { return undefined; }})")
    account, uid = signed_in_user(context, app_server, make_account)
    tabs = [open_center(context) for _ in range(2)]
    for tab in tabs:
        expect(status(tab)).to_have_attribute("data-leader", "true")
    wait_until(lambda: open_streams(operator, uid) == 2, what="a stream per tab")

    (nid,) = operator.send([account.username], "Per-tab fallback")
    for tab in tabs:
        expect(item(tab, nid)).to_have_count(1)
        expect(toast(tab, "Per-tab fallback")).to_have_count(1)


def test_unknown_event_types_are_ignored(
    context: BrowserContext, app_server: AppServer, make_account, operator: Operator
) -> None:
    """A stream carrying types this client does not know (and junk) keeps working."""
    signed_in_user(context, app_server, make_account)

    def extra_events(route) -> None:
        body = (
            "retry: 3000\n\n"
            'id: 0\ndata: {"type": "connected", "data": {"message": "hi", "resumed": false},'
            ' "timestamp": "2024-01-01T00:00:00.000Z"}\n\n'
            'data: {"type": "future-thing", "data": {"x": 1}, "timestamp": "2024-01-01T00:00:00.000Z"}\n\n'
            "data: not json\n\n"
            'id: 1\ndata: {"type": "notification", "data": {"id": "notif_fake_1", "title": "From the fake stream",'
            ' "content": "", "type": "info", "priority": "normal", "status": "sent", "channels": ["in_app"],'
            ' "createdAt": "2999-01-01T00:00:00.000Z", "updatedAt": "2999-01-01T00:00:00.000Z",'
            ' "readAt": null}, "timestamp": "2024-01-01T00:00:00.000Z"}\n\n'
        )
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)

    context.route(f"**{STREAM_PATH}*", extra_events)
    tab = context.new_page()
    tab.goto("/")
    expect(toast(tab, "From the fake stream")).to_have_count(1)
    expect(item(tab, "notif_fake_1")).to_have_count(1)
