"""Fuzz Reflex's event websocket like a public API: every handler, hostile arguments, three callers.

Every public handler of the compiled state tree (tests/support/event_handlers.py) is called
over a raw Socket.IO socket (tests/support/event_socket.py) with arguments hypothesis builds:
wrong types, ~1 MB strings, a 10 MB message (the server must drop it), nested and 3,000-deep
JSON, the Reflex Var tag, `__proto__` keys, NaN/Infinity literals, None, lists for dicts, a
payload that is no dict at all. Callers: a tab with no cookie, a signed-in user's tab, and a
tab whose user then signed out everywhere (POST /api/auth/logout-all).

After every call: /api/health answers within a second (one message must not stop the
server), and nothing the socket ever received holds another user's notification, nor, after
logout-all, one sent to this user after the logout.

The app server is this module's own (a frozen one would take the other tests down). When a
call freezes it, the next test restarts it (SIGTERM, then SIGKILL for the whole process
group: a worker stuck in a loop ignores SIGTERM), a few times at most.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.conftest import APP_ENV
from tests.support.event_handlers import PublicHandler, public_handlers
from tests.support.event_socket import HYDRATE, SENTINEL, EventSocket, RawJSON, SocketClosed
from tests.support.processes import AppServer, _stop_group

pytestmark = pytest.mark.slow

VAR_TAG = "<reflex.Var>x</reflex.Var>"
HANDLERS = public_handlers()
assert {HYDRATE, SENTINEL} <= {h.name for h in HANDLERS}, "the client's hydrate/sentinel names are stale"
CALLERS = ("signed-out", "user", "revoked")
CALL_TIMEOUT = 3.0  # for the handler and the events it chains to answer
HEALTH_TIMEOUT = 1.0
MAX_RESTARTS = 6
PASSWORD = "sockfuzz-password-123"

# -- hostile values ---------------------------------------------------------------------
SPECIAL_TEXT = [
    VAR_TAG,
    f"see {VAR_TAG} here",
    "<reflex.Var>",
    "__proto__",
    "constructor",
    "",
    "reset",
    "ok",
    "all",
    "//evil.example/x",
    "javascript:alert(1)",
    "<img src=x onerror=alert(1)>",
    "${x}{{x}}",
    "' OR 1=1 --",
    "\x00",
    "\ud800",
    "9" * 400,
    "NaN",
    "null",
    "Not/A_Zone",
]
KEYS = [
    "type",
    "data",
    "id",
    "ids",
    "title",
    "content",
    "url",
    "actions",
    "actionId",
    "notificationId",
    "userId",
    "category",
    "slug",
    "name",
    "preferences",
    "recipients",
    "visible",
    "outcome",
    "__proto__",
    "constructor",
    VAR_TAG,
]
EVENT_TYPES = ["reset", "notification", "seen", "read", "archived", "deleted", "preferences", VAR_TAG, "__proto__"]
# Under the 1e6-character frame limit (they reach the handler), then one far above it.
HUGE = ["x" * 900_000, (VAR_TAG + " ") * 33_000, "é" * 900_000, "y" * 10_000_000]
RAW = [
    RawJSON("NaN"),
    RawJSON("-Infinity"),
    RawJSON("1e400"),
    RawJSON("[" * 3000 + "]" * 3000),
    RawJSON('{"a":' * 3000 + "1" + "}" * 3000),
]
NOW = datetime.now(UTC).isoformat()
# A notification-shaped dict whose every text is the Var tag (reaches the toast paths).
TAG_DICT = {
    **{key: VAR_TAG for key in KEYS if key not in ("__proto__", "constructor")},
    "createdAt": NOW,
    "data": {key: VAR_TAG for key in ("id", "title", "content", "slug", "name")},
    "__proto__": {"isAdmin": True},
}
RESET = {"type": "reset", "data": {}}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=20),
    st.sampled_from(RAW),
)
nested = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4),
        st.fixed_dictionaries({"type": st.sampled_from(EVENT_TYPES), "data": inner}),
    ),
    max_leaves=8,
)
values = st.one_of(nested, st.sampled_from(HUGE))
SHAPES = ("by-name", "missing", "extra", "whole")


@dataclass(frozen=True)
class Plan:
    """How to fill a handler's arguments: `values` in parameter order (cycled), and a shape:
    by name, the last one missing, an unexpected extra one, or `values[0]` as the payload."""

    values: tuple[Any, ...]
    shape: str = "by-name"

    def payload_for(self, handler: PublicHandler) -> Any:
        if self.shape == "whole":
            return self.values[0]
        args = {p.name: self.values[i % len(self.values)] for i, p in enumerate(handler.parameters)}
        if self.shape == "missing" and args:
            args.pop(handler.parameters[-1].name)
        if self.shape == "extra":
            args["__proto__"] = self.values[-1]
        return args

    def __repr__(self) -> str:
        return f"Plan({', '.join(_short(v) for v in self.values)}; {self.shape})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis prints examples with it
        printer.text(repr(self))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:40]}...<{len(text)} chars>"


plans = st.builds(Plan, st.lists(values, min_size=1, max_size=3).map(tuple), st.sampled_from(SHAPES))


# -- the server -------------------------------------------------------------------------
@dataclass
class FuzzedApp:
    server: AppServer
    frozen_by: str | None = None
    restarts: int = 0
    stops: list[str] = field(default_factory=list)  # how each stop went, for the log
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=HEALTH_TIMEOUT))

    @property
    def url(self) -> str:
        return self.server.url

    def ensure_running(self) -> None:
        """Restart the server a call froze (a few times), or fail at once."""
        if self.frozen_by is None:
            return
        if self.restarts >= MAX_RESTARTS:
            pytest.fail(f"the server froze {self.restarts + 1} times; the last: {self.frozen_by}", pytrace=False)
        self.stop()
        self.restarts += 1
        self.server.start(timeout=120)
        self.frozen_by = None

    def check_health(self, what: str) -> None:
        started = time.monotonic()
        try:
            if self.http.get(self.url + "/api/health").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        try:  # only slow, or frozen?
            later = httpx.get(self.url + "/api/health", timeout=5).status_code
        except httpx.HTTPError as exc:
            later = repr(exc)
        if later != 200:
            self.frozen_by = what
        took = time.monotonic() - started
        raise AssertionError(f"/api/health silent for {HEALTH_TIMEOUT}s after {what} (then: {later}, {took:.1f}s)")

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it after 5 s (or any worker left behind)."""
        proc = self.server.proc
        if proc is None:
            return
        started = time.monotonic()
        _stop_group(proc, signal.SIGTERM, timeout=5)
        left_over = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # a worker that outlived its parent
        except ProcessLookupError:
            left_over = False
        self.stops.append(f"rc={proc.returncode} after {time.monotonic() - started:.1f}s, leftovers={left_over}")
        self.server.proc = None


@pytest.fixture(scope="module")
def fuzz_app(tmp_root: Path) -> Iterator[FuzzedApp]:
    # One sign-in per revoked-caller test, all as one user: no login limit in the way.
    env = dict(APP_ENV, NC_LOGIN_RATE_LIMIT="100000/minute")
    app = FuzzedApp(AppServer(tmp_root / "sockfuzz", env).start())
    yield app
    app.http.close()
    app.stop()
    print("event socket fuzz server stops:", app.stops)


def _cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


@dataclass
class World:
    operator: httpx.Client
    user_cookie: str
    revoked_user: str
    other_secret: str  # in a notification of a user no caller is


@pytest.fixture(scope="module")
def world(fuzz_app: FuzzedApp) -> Iterator[World]:
    server = fuzz_app.server
    for name, role in (("sf-op", "operator"), ("sf-other", "user"), ("sf-user", "user"), ("sf-revoked", "user")):
        server.create_user(name, PASSWORD, role)
    operator = server.login("sf-op", PASSWORD)
    user = server.login("sf-user", PASSWORD)
    other_secret = f"other-secret-{secrets.token_hex(8)}"
    _send(operator, "sf-other", other_secret)
    _send(operator, "sf-user", "the plain user's own notification")
    yield World(operator, _cookie_header(user), "sf-revoked", other_secret)
    operator.close()
    user.close()


def _send(operator: httpx.Client, username: str, secret: str) -> None:
    body = {"title": secret, "content": f"content {secret}", "recipients": [username]}
    response = operator.post("/api/notifications", json=body)
    assert response.status_code == 201, response.text


@dataclass
class Caller:
    kind: str
    socket: EventSocket
    forbidden: list[str]
    since: int = 0  # frames before this one are not checked

    def ensure_connected(self) -> None:
        """After the server dropped the socket (a too-large frame): the same tab comes back."""
        if self.socket.closed:
            self.socket.connect(hydrate=False)

    def leaks(self) -> list[str]:
        frames = self.socket.received[self.since :]
        return [secret for secret in self.forbidden if any(secret in frame.raw for frame in frames)]


class RevokedTabs:
    """Tabs hydrated while signed in whose user then signed out everywhere. One serves
    test after test until a handler cleared its data (or the socket or server went):
    building one costs a sign-in, a hydrate, the logout-all and a marker send."""

    def __init__(self, app: FuzzedApp, world: World) -> None:
        self.app, self.world, self.restarts, self.made = app, world, -1, 0
        self.tab: Caller | None = None

    def get(self) -> Caller:
        tab = self.tab
        cleared = tab is not None and any(
            '"signed_in_rx_state_":false' in f.raw for f in tab.socket.received[self.made :]
        )
        if tab is None or cleared or tab.socket.closed or self.restarts != self.app.restarts:
            if tab is not None:
                tab.socket.close()
            self.tab, self.restarts = self._new(), self.app.restarts
            self.made = self.tab.since
        # Each test answers for the frames of its own calls (an earlier leak is reported once).
        self.tab.since = len(self.tab.socket.received)
        return self.tab

    def _new(self) -> Caller:
        client = self.app.server.login(self.world.revoked_user, PASSWORD)
        socket = EventSocket(self.app.url, cookie=_cookie_header(client))
        socket.connect()
        assert client.post("/api/auth/logout-all").status_code in (200, 204)
        assert client.get("/api/auth/me").status_code == 401
        client.close()
        marker = f"after-logout-{secrets.token_hex(8)}"
        _send(self.world.operator, self.world.revoked_user, marker)
        # Frames until now came while signed in (the hydrate): only later ones are checked.
        return Caller("revoked", socket, [self.world.other_secret, marker], since=len(socket.received))


@pytest.fixture(scope="module")
def revoked_tabs(fuzz_app: FuzzedApp, world: World) -> Iterator[RevokedTabs]:
    tabs = RevokedTabs(fuzz_app, world)
    yield tabs
    if tabs.tab is not None:
        tabs.tab.socket.close()


@pytest.fixture
def caller(request: pytest.FixtureRequest, fuzz_app: FuzzedApp, world: World, revoked_tabs: RevokedTabs):
    fuzz_app.ensure_running()
    if request.param == "revoked":
        yield revoked_tabs.get()
        return
    cookie = world.user_cookie if request.param == "user" else None
    socket = EventSocket(fuzz_app.url, cookie=cookie)
    socket.connect()
    yield Caller(request.param, socket, [world.other_secret])
    socket.close()


bounded = settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a freeze per attempt would cost a restart
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),  # the caller's tab lives across examples, on purpose
)


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
@pytest.mark.parametrize("handler", HANDLERS, ids=[h.short_name for h in HANDLERS])
@bounded
@given(plan=plans)
@example(plan=Plan((VAR_TAG,)))  # every str parameter (and every other one) gets the Var tag
@example(plan=Plan((TAG_DICT,)))
@example(plan=Plan((RESET,)))
def test_hostile_call_neither_stops_the_server_nor_leaks(
    handler: PublicHandler, caller: Caller, fuzz_app: FuzzedApp, plan: Plan
) -> None:
    what = f"{caller.kind} {handler.short_name} {plan!r}"
    caller.ensure_connected()
    with suppress(SocketClosed):  # the server may drop a socket that sent garbage: its right
        caller.socket.call(handler.name, plan.payload_for(handler), timeout=CALL_TIMEOUT)
    fuzz_app.check_health(what)
    assert caller.leaks() == [], f"{what}: a delta carried {caller.leaks()}"
