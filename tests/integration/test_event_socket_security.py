"""Findings 1 and 2 of the event-socket review, against the running app over raw Socket.IO.

1. One message carrying Reflex's Var tag froze the whole server (every handler that built a
   toast, script or form value from text it did not write). After each call here the server
   must still answer /api/health within a second, and the text comes back inert.
2. A revoked session kept reading the inbox through handlers that used the tab's cached user
   id (`on_event` reset, `refresh_counts`, ...), even from a new socket with only the tab token.
"""

from __future__ import annotations

import json
import secrets
import time

import httpx
import pytest

from notification_center.state.bell_state import BellState
from notification_center.state.categories_state import CategoriesState
from notification_center.state.notifications_state import NotificationsState
from notification_center.state.preferences_state import PreferencesState
from notification_center.state.snooze_state import SnoozeState
from notification_center.untrusted import VAR_TAG
from tests.support.event_socket import EventSocket, Frame
from tests.support.processes import AppServer

TAG = f"{VAR_TAG}x</reflex.Var>"


def handler(state: type, name: str) -> str:
    return f"{state.get_full_name()}.{name}"


def assert_alive(server: AppServer) -> None:
    started = time.monotonic()
    answer = httpx.get(server.url + "/api/health", timeout=2)
    assert answer.status_code == 200 and time.monotonic() - started < 1.0


def text_of(frames: list[Frame]) -> str:
    return "\n".join(frame.raw for frame in frames)


def cookie_of(client: httpx.Client) -> str:
    return f"nc_session={client.cookies['nc_session']}"


def send(operator: httpx.Client, username: str, title: str, **fields) -> str:
    answer = operator.post("/api/notifications", json={"title": title, "recipients": [username], **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()["ids"][0]


def test_the_var_tag_from_a_client_without_a_cookie_does_not_stop_the_server(app_server: AppServer) -> None:
    tab = EventSocket(app_server.url)
    try:
        tab.connect(pathname="/")
        frames = tab.call(handler(BellState, "action_done"), {"outcome": TAG})
        assert_alive(app_server)
        assert "/login" in text_of(frames)  # signed out: the guard sends the tab to /login
        assert VAR_TAG not in text_of(frames)
    finally:
        tab.close()


@pytest.fixture
def user_tab(app_server: AppServer, make_account, sign_in):
    account = make_account()
    client = sign_in(account)
    tab = EventSocket(app_server.url, cookie=cookie_of(client))
    tab.connect(pathname="/")
    tab.call(handler(NotificationsState, "load"), {})
    yield account, client, tab
    tab.close()


@pytest.mark.parametrize(
    ("state", "name", "payload"),
    [
        (BellState, "action_done", {"outcome": TAG}),
        (NotificationsState, "on_notification", {"data": {"id": "notif_x", "title": TAG, "content": TAG}}),
        (NotificationsState, "take_action", {"notification_id": "notif_nope", "action_id": TAG}),
        (SnoozeState, "snooze", {"notification_id": "notif_nope", "preset": TAG}),
        (PreferencesState, "set_preference", {"slug": TAG, "kind": "toast", "enabled": True}),
        (NotificationsState, "desktop_permission", {"permission": TAG}),
    ],
)
def test_the_var_tag_in_a_signed_in_users_arguments_comes_back_inert(
    app_server: AppServer, user_tab, state: type, name: str, payload: dict
) -> None:
    _, _, tab = user_tab
    frames = tab.call(handler(state, name), payload)
    assert_alive(app_server)
    assert VAR_TAG not in text_of(frames)


def test_a_notification_titled_with_the_var_tag_toasts_as_text(app_server: AppServer, user_tab, operator) -> None:
    account, _, tab = user_tab
    notification_id = send(operator, account.username, TAG, content=TAG)
    wire = {"id": notification_id, "userId": None, "title": TAG, "content": TAG, "createdAt": _now()}
    frames = tab.call(handler(NotificationsState, "on_notification"), {"data": wire})
    assert_alive(app_server)
    toasts = [f for f in frames if "toast" in f.raw]
    assert toasts, text_of(frames)
    assert VAR_TAG not in text_of(frames) and "x\\u003c/reflex.Var" not in text_of(frames)
    assert "reflex.Var>x</reflex.Var>" in json.dumps([f.data for f in toasts], ensure_ascii=False)


def test_a_category_named_with_the_var_tag_fills_the_form_as_text(app_server: AppServer, operator) -> None:
    slug = f"c{secrets.token_hex(4)}"
    saved = operator.post("/api/categories", json={"slug": slug, "name": TAG, "description": TAG})
    assert saved.status_code in (200, 201), saved.text
    tab = EventSocket(app_server.url, cookie=cookie_of(operator))
    try:
        tab.connect(pathname="/operator/categories")
        tab.call(handler(CategoriesState, "load"), {}, pathname="/operator/categories")
        frames = tab.call(handler(CategoriesState, "edit"), {"slug": slug}, pathname="/operator/categories")
        assert_alive(app_server)
        assert "reflex.Var>x" in text_of(frames) and VAR_TAG not in text_of(frames)
    finally:
        tab.close()


def _now() -> str:
    from notification_center.timefmt import iso_ms

    return iso_ms()


# -- finding 2: nothing after the session is gone -------------------------------------------
READERS = [
    (NotificationsState, "on_event", {"envelope": {"type": "reset", "data": {}}}),
    (NotificationsState, "on_event", {"envelope": {"type": "updated", "data": {"notification": {"id": "x"}}}}),
    (NotificationsState, "on_read", {"data": {"reload": True}}),
    (NotificationsState, "refresh_counts", {}),
    (NotificationsState, "refresh_category_counts", {}),
    (NotificationsState, "resync", {}),
    (NotificationsState, "load_more", {}),
    (BellState, "opened", {"is_open": True}),
]


@pytest.mark.parametrize(("state", "name", "payload"), READERS, ids=[f"{s.__name__}.{n}" for s, n, _ in READERS])
def test_after_logout_all_no_handler_reads_the_inbox(
    app_server: AppServer, user_tab, operator, state: type, name: str, payload: dict
) -> None:
    account, client, tab = user_tab
    before = f"before-{secrets.token_hex(6)}"
    send(operator, account.username, before)
    tab.call(handler(NotificationsState, "resync"), {})
    assert before in text_of(tab.received)  # the observation works: signed in, it arrives
    assert client.post("/api/auth/logout-all").status_code == 200
    assert client.get("/api/auth/me").status_code == 401
    after = f"after-{secrets.token_hex(6)}"
    send(operator, account.username, after)

    frames = tab.call(handler(state, name), payload)
    assert after not in text_of(frames) and before not in text_of(frames)
    assert "/login" in text_of(frames)

    # A new socket with only the tab's token (no cookie, no hydrate) gets nothing either.
    bare = EventSocket(app_server.url, token=tab.token)
    try:
        bare.connect(hydrate=False)
        frames = bare.call(handler(state, name), payload)
        assert after not in text_of(frames) and before not in text_of(frames)
    finally:
        bare.close()


@pytest.mark.parametrize("payload", [["x"], "x", None, 7])
def test_arguments_that_are_not_an_object_are_refused_with_a_reason(app_server: AppServer, user_tab, payload) -> None:
    _, _, tab = user_tab
    frames = tab.call(handler(NotificationsState, "mark_read"), payload)
    assert "takes its arguments as a JSON object" in text_of(frames)
    assert_alive(app_server)


def test_an_operator_handler_refuses_a_plain_user(app_server: AppServer, user_tab) -> None:
    from notification_center.state.operator_state import OperatorState

    _, _, tab = user_tab
    frames = tab.call(handler(OperatorState, "refresh_stats"), {}, pathname="/operator")
    deltas = [f.data.get("delta") or {} for f in frames if isinstance(f.data, dict)]
    page = {
        k.removesuffix("_rx_state_"): v for d in deltas for k, v in d.get(OperatorState.get_full_name(), {}).items()
    }
    # The handler never ran: the page only learns it is not allowed (and holds no stats).
    assert page.get("checked") is True and page.get("allowed") is False
    assert not any(isinstance(v, int | list) and v for k, v in page.items() if k.startswith("stat"))


def test_removing_another_users_browser_through_the_socket_removes_nothing(
    app_server: AppServer, user_tab, make_account, sign_in
) -> None:
    from notification_center.state.push_state import PushState
    from tests.support.push_service import BrowserSubscription

    owner = sign_in(make_account())
    browser = BrowserSubscription(f"https://fcm.googleapis.com/fcm/send/{secrets.token_urlsafe(16)}")
    r = owner.post("/api/push/subscriptions", json=browser.to_json())
    assert r.status_code in (200, 201), r.text
    (theirs,) = [b["id"] for b in owner.get("/api/push/subscriptions").json()["items"]]

    _, _, tab = user_tab  # another user's page, calling the handler with the owner's id
    frames = tab.call(handler(PushState, "remove"), {"subscription_id": theirs}, pathname="/preferences")
    assert "already removed" in text_of(frames)  # for this user there is no such browser
    assert [b["id"] for b in owner.get("/api/push/subscriptions").json()["items"]] == [theirs]
    assert_alive(app_server)
