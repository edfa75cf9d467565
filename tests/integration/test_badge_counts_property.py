"""Property: whatever users do, every tab's badges equal the database's counts.

A hypothesis state machine drives the real app with random sequences of send, read,
read-all, seen, archive, unarchive, delete, action, bulk (by ids and by filter), undo (own,
used and foreign tokens), snooze (for half a second, so that the row comes back within the
step, or for an hour), un-snooze, sends that expire half a second later, a tab that loses
its stream while things happen and resumes with Last-Event-ID, and attempts on another
user's rows, for two users with two "tabs" each. A tab is a real SSE stream that keeps
badges and its inbox list the way the page does (`Tab`). After each step, for each user,
the list answer's counts equal a count taken straight from the database (its own SQL, not
the service's), every tab of the user reaches them and lists exactly the database's inbox
rows, and no tab got a notification twice or out of cursor order across its reconnects.
A step that snoozes briefly or sends an expiring row ends once the scheduler has handled
it, so the scheduler's events never race the next step's (two changes of one user
committed at the same moment may publish in either order, a documented limit). Every
one-row answer is the one the state table (notifications/states.py) gives for the row's
state in the database just before, and a 200 did what it says (issue 20).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from httpx_sse import connect_sse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from notification_center.notifications import states
from notification_center.state import lifecycle_events
from notification_center.timefmt import iso_ms
from tests.conftest import Account
from tests.support.processes import AppServer

ACTIONS = ("read", "unread", "seen", "archive", "unarchive", "delete")
ACTION_BUTTONS = [{"id": "ok", "label": "OK"}]  # every send has one; choosing it again is no change
SETTLE_SECONDS = 5.0


class Tab:
    """One open stream of a user, keeping its badges and its inbox list from the events as
    the page does (the same `state/lifecycle_events.plan`): +1 unread and +1 unseen per new
    `notification`, the counts carried by every other event, rows dropped by id, and the list
    re-read from the API where the plan says "reload", on `reset`, and on every (re)connect.
    It can go away and come back with `Last-Event-ID`, like a browser after a network blip."""

    def __init__(self, url: str, cookies: dict[str, str]) -> None:
        self.unread = self.unseen = 0
        self.inbox: set[str] = set()
        self.received: list[tuple[str, int]] = []  # every notification event: (id, cursor)
        self.error: BaseException | None = None
        self._url, self._cookies = url, cookies
        self._lock = threading.Lock()
        self._lister = httpx.Client(base_url=url, cookies=cookies, timeout=10)
        self._open()

    def _open(self) -> None:
        last = self.received[-1][1] if self.received else None
        headers = {"Last-Event-ID": str(last)} if last is not None else {}
        self._connected = threading.Event()
        self._leaving = False
        self._client = httpx.Client(base_url=self._url, cookies=self._cookies, timeout=httpx.Timeout(10, read=None))
        self._thread = threading.Thread(target=self._run, args=(headers,), daemon=True)
        self._thread.start()
        if not self._connected.wait(10):
            raise TimeoutError("stream did not connect")

    def _run(self, headers: dict[str, str]) -> None:
        try:
            with connect_sse(self._client, "GET", "/api/notifications/stream", headers=dict(headers)) as source:
                for sse in source.iter_sse():
                    self._apply(json.loads(sse.data), int(sse.id) if sse.id else None)
        except httpx.HTTPError:
            pass  # closed by the test
        except BaseException as exc:  # reported by the next check, unless the test cut the stream
            if not self._leaving:
                self.error = exc

    def _reread(self) -> None:
        """What the page does on (re)connect and on a "reload": the list answer's rows and badges."""
        page = self._lister.get("/api/notifications", params={"limit": 100}).json()
        with self._lock:
            self.inbox = {item["id"] for item in page["items"]}
            self.unread, self.unseen = page["unreadCount"], page["unseenCount"]

    def _apply(self, envelope: dict, cursor: int | None) -> None:
        kind, data = envelope["type"], envelope["data"]
        if kind in ("connected", "reset"):
            self._reread()
            self._connected.set()
            return
        if kind == "ping":
            return
        with self._lock:
            if kind == "notification":
                self.received.append((data["id"], cursor if cursor is not None else -1))
                if data["id"] not in self.inbox:  # else the re-read list had it already
                    self.inbox.add(data["id"])
                    self.unread += data.get("readAt") is None
                    self.unseen += data.get("seenAt") is None
                return
            self.unread = data.get("unreadCount", self.unread)
            self.unseen = data.get("unseenCount", self.unseen)
            reload = False
            if kind == "updated":  # a snoozed row leaves the list, one coming back joins it
                row = data["notification"]
                if lifecycle_events.belongs_in_inbox(row, iso_ms()):
                    self.inbox.add(row["id"])
                else:
                    self.inbox.discard(row["id"])
            elif kind == "expired":
                self.inbox -= set(data.get("ids", []))
            elif kind == "read":
                reload = data.get("reload") is True
            elif kind in ("seen", "archived", "deleted"):
                plan = lifecycle_events.plan(kind, data)
                if plan.inbox == "drop":
                    self.inbox -= plan.ids
                reload = plan.inbox == "reload"
        if reload:
            self._reread()

    def badges(self) -> tuple[int, int]:
        with self._lock:
            return self.unread, self.unseen

    def inbox_ids(self) -> set[str]:
        with self._lock:
            return set(self.inbox)

    def reset(self, badges: tuple[int, int]) -> None:
        """What a client does on (re)connecting: take the badges from a list answer."""
        with self._lock:
            self.unread, self.unseen = badges

    def leave(self) -> None:
        """The network goes away: the stream ends; what happens meanwhile this tab misses."""
        self._leaving = True
        self._client.close()
        self._thread.join(10)

    def come_back(self) -> None:
        """Reconnect from the last cursor this tab saw, as the browser's EventSource does."""
        self._open()

    def close(self) -> None:
        self._client.close()
        self._lister.close()


@dataclass
class Person:
    account: Account
    client: httpx.Client
    user_id: str
    tabs: list[Tab]
    ids: list[str] = field(default_factory=list)  # every notification ever sent to them
    tokens: list[tuple[str, float]] = field(default_factory=list)  # (undo token, when)
    used: set[str] = field(default_factory=set)


def _db_badges(db_path, user_id: str) -> tuple[int, int]:
    """The inbox's unread and unseen, counted with SQL written here (not the service's)."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    query = """
        SELECT COALESCE(SUM(read_at IS NULL), 0), COALESCE(SUM(seen_at IS NULL), 0)
        FROM nc_notifications
        WHERE user_id = ? AND deleted_at IS NULL AND archived_at IS NULL
          AND (snoozed_until IS NULL OR snoozed_until <= ?) AND (expires_at IS NULL OR expires_at > ?)
    """
    with sqlite3.connect(db_path) as db:
        unread, unseen = db.execute(query, (user_id, now, now)).fetchone()
    return int(unread), int(unseen)


def _db_inbox(db_path, user_id: str) -> set[str]:
    """The inbox's rows, with SQL written here: the list every tab must show."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    query = """
        SELECT id FROM nc_notifications
        WHERE user_id = ? AND deleted_at IS NULL AND archived_at IS NULL
          AND (snoozed_until IS NULL OR snoozed_until <= ?) AND (expires_at IS NULL OR expires_at > ?)
    """
    with sqlite3.connect(db_path) as db:
        return {row[0] for row in db.execute(query, (user_id, now, now))}


def _snoozed_ids(db_path, user_id: str) -> list[str]:
    query = "SELECT id FROM nc_notifications WHERE user_id = ? AND snoozed_until IS NOT NULL AND deleted_at IS NULL"
    with sqlite3.connect(db_path) as db:
        return [row[0] for row in db.execute(query, (user_id,))]


def _row(db_path, notification_id: str) -> dict:
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        return dict(db.execute("SELECT * FROM nc_notifications WHERE id = ?", (notification_id,)).fetchone())


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _expected_status(db_path, notification_id: str, act: str) -> int:
    """What the state table (notifications/states.py) answers for `act` on the row as it is
    in the database now: 200 where it applies, else the cell's status (404: no such row)."""
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        query = "SELECT deleted_at, expires_at, snoozed_until, archived_at FROM nc_notifications WHERE id = ?"
        found = db.execute(query, (notification_id,)).fetchone()
    if found is None:
        return 404
    lifecycle = {name: _when(found[name]) for name in ("deleted_at", "expires_at", "snoozed_until", "archived_at")}
    cell = states.decide(states.state_of(now=datetime.now(UTC), **lifecycle), act)
    return 200 if isinstance(cell, states.Apply) else cell.status


def _snoozed_ahead(row: dict) -> bool:
    until = _when(row["snoozed_until"])
    return until is not None and until.replace(tzinfo=until.tzinfo or UTC) > datetime.now(UTC)


# After a 200 from a one-row route, the row says so (no action answers 200 doing nothing).
_DONE: dict[str, Callable[[dict], bool]] = {
    "read": lambda row: row["read_at"] is not None and row["seen_at"] is not None,
    "seen": lambda row: row["seen_at"] is not None,
    "archive": lambda row: row["archived_at"] is not None and row["snoozed_until"] is None,
    "unarchive": lambda row: row["archived_at"] is None,
    "delete": lambda row: row["deleted_at"] is not None,
    "snooze": lambda row: row["snoozed_until"] is not None,
    "unsnooze": lambda row: not _snoozed_ahead(row),
    "action": lambda row: row["action_taken"] == "ok" and row["read_at"] is not None,
}


def _soon() -> str:
    """Half a second ahead: in the future when it arrives, due a moment later."""
    return (datetime.now(UTC) + timedelta(seconds=0.5)).isoformat()


def _api_badges(person: Person) -> tuple[int, int]:
    page = person.client.get("/api/notifications", params={"limit": 1}).json()
    return page["unreadCount"], page["unseenCount"]


def _wait_until(condition: Callable[[], bool], timeout: float = SETTLE_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture(scope="module")
def people(app_server: AppServer):
    """Two users with two open tabs each, and an operator; kept for every example."""
    made: list[Person] = []
    for name in ("prop-ann", "prop-bob"):
        account = Account(name, "property-password", "user")
        app_server.create_user(account.username, account.password)
        client = app_server.login(account.username, account.password)
        cookies = dict(client.cookies)
        user_id = client.get("/api/auth/me").json()["id"]
        made.append(Person(account, client, user_id, [Tab(app_server.url, cookies) for _ in range(2)]))
    app_server.create_user("prop-op", "property-password", "operator")
    operator = app_server.login("prop-op", "property-password")
    yield made, operator
    for person in made:
        for tab in person.tabs:
            tab.close()
        person.client.close()
    operator.close()


class Inbox(RuleBasedStateMachine):
    def __init__(self, people: list[Person], operator: httpx.Client, db_path) -> None:
        super().__init__()
        self.people, self.operator, self.db_path = people, operator, db_path

    @initialize(first=st.integers(1, 4))
    def start_with_a_few(self, first: int) -> None:
        """Each example starts from a few fresh notifications each (after deleting everything,
        in both views), so that actions have rows to act on from the first step."""
        for person in self.people:
            for notification_id in _snoozed_ids(self.db_path, person.user_id):  # else it returns later
                assert person.client.post(f"/api/notifications/{notification_id}/unsnooze").status_code == 200
            for archived in (False, True):
                body = {"action": "delete", "filter": {"archived": archived}}
                assert person.client.post("/api/notifications/bulk", json=body).status_code == 200
            person.ids, person.tokens, person.used = [], [], set()
            for tab in person.tabs:  # like a reconnect: start from the list answer's badges
                _wait_until(lambda t=tab: t.badges() == (0, 0), timeout=1)
                tab.reset(_api_badges(person))
        for n in range(first):
            self._send_to(self.people, f"start {n}")

    def _person(self, data: st.DataObject) -> Person:
        return data.draw(st.sampled_from(self.people), label="user")

    def _some_id(self, data: st.DataObject, person: Person) -> str:
        if not person.ids:
            return "notif_0000"
        # Mostly recent ones: sequences like archive-then-unarchive of one row come up often.
        return data.draw(st.sampled_from(person.ids[-4:]) | st.sampled_from(person.ids), label="id")

    @rule(data=st.data(), count=st.integers(1, 3), both=st.booleans())
    def send(self, data: st.DataObject, count: int, both: bool) -> None:
        chosen = self.people if both else [self._person(data)]
        for n in range(count):
            self._send_to(chosen, f"p{n}")

    @rule(data=st.data())
    def send_expiring(self, data: st.DataObject) -> None:
        """A send that expires half a second later; the step ends once the scheduler told the tabs."""
        person = self._person(data)
        body = {
            "title": "expiring",
            "recipients": [person.account.username],
            "expiresAt": _soon(),
            "actions": ACTION_BUTTONS,
        }
        r = self.operator.post("/api/notifications", json=body)
        assert r.status_code == 201, r.text
        (expiring,) = r.json()["ids"]
        person.ids.append(expiring)
        assert _wait_until(lambda: _row(self.db_path, expiring)["expired_at"] is not None)
        self._settle(person)

    def _send_to(self, chosen: list[Person], title: str) -> None:
        body = {"title": title, "recipients": [p.account.username for p in chosen], "actions": ACTION_BUTTONS}
        r = self.operator.post("/api/notifications", json=body)
        assert r.status_code == 201, r.text
        for person in chosen:  # the newest in their inbox is the one just sent
            person.ids.append(person.client.get("/api/notifications", params={"limit": 1}).json()["items"][0]["id"])

    @rule(data=st.data(), action=st.sampled_from(ACTIONS), scope=st.sampled_from(("one", "ids", "filter")))
    def act(self, data: st.DataObject, action: str, scope: str) -> None:
        """One lifecycle action on one row (its own route), on some ids, or on a view."""
        person = self._person(data)
        if scope == "one" and action != "unread":  # unread has no one-row route
            self._one_row(person, self._some_id(data, person), action)
        elif scope in ("one", "ids"):
            pool = st.sampled_from(person.ids[-4:]) | st.sampled_from(person.ids) if person.ids else st.nothing()
            ids = data.draw(st.lists(pool, max_size=4), label="ids") if person.ids else []
            self._bulk(person, {"action": action, "ids": ids})
        else:
            # Mostly the view where the action has something to do (unarchive: the Archived view).
            fitting = action == "unarchive"
            where = {"archived": data.draw(st.sampled_from((fitting, fitting, fitting, not fitting)), label="view")}
            extra = st.fixed_dictionaries(
                {}, optional={"unread": st.booleans(), "unseen": st.booleans(), "read": st.booleans()}
            )
            self._bulk(person, {"action": action, "filter": where | data.draw(extra, label="filter")})

    @rule(data=st.data(), brief=st.booleans())
    def snooze(self, data: st.DataObject, brief: bool) -> None:
        """For an hour (it stays away), or for half a second: then the step ends once it came
        back and the tabs heard of it, so that no step of the test races the scheduler."""
        person = self._person(data)
        notification_id = self._some_id(data, person)
        until = _soon() if brief else (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        expected = _expected_status(self.db_path, notification_id, "snooze")
        r = person.client.post(f"/api/notifications/{notification_id}/snooze", json={"until": until})
        if not brief:
            self._answered_as_the_table_says(r, expected, notification_id, "snooze")
        else:  # it may come back before the row is looked at
            assert r.status_code == expected, r.text
        if brief and r.status_code == 200:
            assert _wait_until(lambda: _row(self.db_path, notification_id)["snoozed_until"] is None)
            self._settle(person)

    def _one_row(self, person: Person, notification_id: str, action: str) -> None:
        """A lifecycle action through its one-row route, answered as the table says."""
        expected = _expected_status(self.db_path, notification_id, action)
        if action == "delete":
            r = person.client.delete(f"/api/notifications/{notification_id}")
        else:
            r = person.client.post(f"/api/notifications/{notification_id}/{action}")
        self._answered_as_the_table_says(r, expected, notification_id, action)

    def _answered_as_the_table_says(self, r: httpx.Response, expected: int, notification_id: str, act: str) -> None:
        assert r.status_code == expected, (act, r.text)
        if expected == 200 and act in _DONE:
            assert _DONE[act](_row(self.db_path, notification_id)), (act, _row(self.db_path, notification_id))

    def _settle(self, person: Person) -> None:
        for tab in person.tabs:
            _wait_until(lambda t=tab: t.badges() == _db_badges(self.db_path, person.user_id))

    @rule(data=st.data())
    def unsnooze(self, data: st.DataObject) -> None:
        person = self._person(data)
        notification_id = self._some_id(data, person)
        expected = _expected_status(self.db_path, notification_id, "unsnooze")
        r = person.client.post(f"/api/notifications/{notification_id}/unsnooze")
        self._answered_as_the_table_says(r, expected, notification_id, "unsnooze")

    @rule(data=st.data(), count=st.integers(0, 2), meanwhile=st.sampled_from(("read", "archive", "delete", "none")))
    def away_and_back(self, data: st.DataObject, count: int, meanwhile: str) -> None:
        """One tab loses its stream; meanwhile notifications arrive and the user acts in another
        tab; it comes back with Last-Event-ID. The replay brings what it missed, once and in
        order, and its list and badges agree with the database again (the invariants)."""
        person = self._person(data)
        tab = data.draw(st.sampled_from(person.tabs), label="tab")
        tab.leave()
        try:
            for n in range(count):
                self._send_to([person], f"away {n}")
            if meanwhile != "none" and person.ids:
                self._one_row(person, self._some_id(data, person), meanwhile)
        finally:
            tab.come_back()

    @rule(data=st.data())
    def choose_action(self, data: st.DataObject) -> None:
        """An action button, in whatever state the row is; half the time on a row archived
        first (another tab's Archived view: every tab gets the `updated` event)."""
        person = self._person(data)
        notification_id = self._some_id(data, person)
        if data.draw(st.booleans(), label="archive it first"):
            self._one_row(person, notification_id, "archive")
        expected = _expected_status(self.db_path, notification_id, "action")
        r = person.client.post(f"/api/notifications/{notification_id}/action", json={"actionId": "ok"})
        self._answered_as_the_table_says(r, expected, notification_id, "action")

    @rule(data=st.data())
    def read_all(self, data: st.DataObject) -> None:
        assert self._person(data).client.post("/api/notifications/read-all").status_code == 200

    def _bulk(self, person: Person, body: dict) -> None:
        r = person.client.post("/api/notifications/bulk", json=body)
        assert r.status_code == 200, r.text
        if r.json()["undoToken"]:
            person.tokens.append((r.json()["undoToken"], time.monotonic()))

    @rule(data=st.data())
    def undo(self, data: st.DataObject) -> None:
        person = self._person(data)
        if not person.tokens:
            return
        token, made_at = data.draw(st.sampled_from(person.tokens), label="token")
        r = person.client.post("/api/notifications/undo", json={"undoToken": token})
        if token in person.used:
            assert r.status_code == 409, r.text
        elif time.monotonic() - made_at < 8:  # well inside the 10 s window
            assert r.status_code == 200, r.text
        else:
            assert r.status_code in (200, 410), r.text
        if r.status_code == 200:
            person.used.add(token)

    @rule(data=st.data())
    def meddle_with_the_other_user(self, data: st.DataObject) -> None:
        """Another user's ids and tokens: 404, and nothing changes."""
        me = self._person(data)
        other = next(p for p in self.people if p is not me)
        if other.ids:
            target = data.draw(st.sampled_from(other.ids), label="foreign id")
            assert me.client.post(f"/api/notifications/{target}/archive").status_code == 404
            assert me.client.delete(f"/api/notifications/{target}").status_code == 404
            body = {"action": "delete", "ids": [target]}
            assert me.client.post("/api/notifications/bulk", json=body).json()["updated"] == 0
        if other.tokens:
            token, _ = data.draw(st.sampled_from(other.tokens), label="foreign token")
            assert me.client.post("/api/notifications/undo", json={"undoToken": token}).status_code == 404

    @invariant()
    def every_tab_shows_the_databases_counts(self) -> None:
        for person in self.people:

            def truth(person: Person = person) -> tuple[int, int]:
                return _db_badges(self.db_path, person.user_id)

            agreed = _wait_until(lambda p=person: _api_badges(p) == truth())
            assert agreed, f"{person.account.username}: list says {_api_badges(person)}, database {truth()}"
            for tab in person.tabs:
                assert tab.error is None, tab.error
                settled = _wait_until(lambda t=tab: t.badges() == truth())
                assert settled, f"{person.account.username}: tab shows {tab.badges()}, database {truth()}"

    @invariant()
    def every_tab_lists_the_databases_inbox(self) -> None:
        for person in self.people:
            for tab in person.tabs:
                user_id = person.user_id
                listed = _wait_until(lambda t=tab, u=user_id: t.inbox_ids() == _db_inbox(self.db_path, u))
                inbox = sorted(_db_inbox(self.db_path, user_id))
                assert listed, f"{person.account.username}: tab lists {sorted(tab.inbox_ids())}, inbox {inbox}"

    @invariant()
    def no_tab_got_a_notification_twice_or_out_of_order(self) -> None:
        """Across every reconnect and replay (cursors are gap-free and rise per user)."""
        for person in self.people:
            for tab in person.tabs:
                ids = [notification_id for notification_id, _ in tab.received]
                cursors = [cursor for _, cursor in tab.received]
                assert len(ids) == len(set(ids)), f"{person.account.username}: a notification came twice"
                assert cursors == sorted(set(cursors)), f"{person.account.username}: cursors {cursors[-10:]}"


def test_badges_in_every_tab_equal_the_database_counts(app_server: AppServer, people) -> None:
    persons, operator = people
    run_state_machine_as_test(
        lambda: Inbox(persons, operator, app_server.workdir / "app.db"),
        settings=settings(
            max_examples=40,
            stateful_step_count=16,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
