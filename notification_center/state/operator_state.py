"""The operator page: send notifications from a form, watch live connection stats.

Sending goes through exactly what `POST /api/notifications` uses, `send_or_schedule()`: the
same validation, the same messages naming the field, the same delivery (persist, then
publish). The stats are polled; every poll checks the session and role again, so a tab
left open after a logout, an expiry or a demotion stops showing them at once.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import reflex as rx
from starlette.concurrency import run_in_threadpool

from notification_center import sending
from notification_center.audit.service import Actor
from notification_center.auth.users import usernames_by_id
from notification_center.categories import service as categories
from notification_center.components import browser_events
from notification_center.db import session_scope
from notification_center.history.charts import ChartData, chart_data
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.scheduling import bulk_sends, scheduled_sends
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data, login_redirect
from notification_center.state.browser_time import UTC_ZONE, zone
from notification_center.state.scheduled_state import ScheduledState, send_at_from_form

OPERATOR_ROUTE = "/operator"
ALL = "all"


@dataclasses.dataclass(frozen=True)
class CategoryOption:
    """One choice of the form's category select."""

    slug: str = ""
    name: str = ""


@dataclasses.dataclass(frozen=True)
class SendOutcome:
    """What the form shows after a send: the message and, on an error, the field it names."""

    ok: bool
    message: str
    field: str = ""


@dataclasses.dataclass(frozen=True)
class ChannelTotals:
    """One outside channel's delivery rows in the console's window (history/charts.py)."""

    channel: str = ""
    pending: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    clicked: int = 0


@dataclasses.dataclass(frozen=True)
class ChannelFailure:
    time: str = ""
    channel: str = ""
    username: str = ""
    error: str = ""


@dataclasses.dataclass(frozen=True)
class UserConnections:
    username: str = ""
    clients: int = 0


def parse_recipients(raw: str) -> list[str] | str:
    """The form's "alice, bob" (or "all") as the API's `recipients` value."""
    text = raw.strip()
    if text.lower() == ALL:
        return ALL
    return [name.strip() for name in text.split(",") if name.strip()]


def _usernames(user_ids: list[str]) -> dict[str, str]:
    with session_scope() as session:
        return usernames_by_id(session=session, user_ids=user_ids)


def _category_options() -> list[CategoryOption]:
    with session_scope() as session:
        return [CategoryOption(c.slug, c.name) for c in categories.list_categories(session=session)]


def _chart_data() -> ChartData:
    with session_scope() as session:
        return chart_data(session=session)


def form_body(form: dict[str, Any], time_zone: str = "") -> dict[str, Any]:
    """The form's fields as the body `POST /api/notifications` takes; `send_at` (a local
    time in the browser's `time_zone`) becomes `sendAt`. The optional fields are left out
    when empty, so the API's defaults apply; `ttl_seconds` is passed on as typed, and the
    send's own validation names `ttlSeconds` if it is not a whole number in range."""
    body: dict[str, Any] = {
        "title": form.get("title", ""),
        "content": form.get("content", ""),
        "type": form.get("type") or "info",
        "priority": form.get("priority") or "normal",
        "recipients": parse_recipients(str(form.get("recipients", ""))),
    }
    if (send_at := send_at_from_form(str(form.get("send_at") or ""), time_zone)) is not None:
        body["sendAt"] = send_at
    for name, key in (("category", "category"), ("url", "url"), ("group_key", "groupKey")):
        if value := str(form.get(name) or "").strip():
            body[key] = value
    if ttl := str(form.get("ttl_seconds") or "").strip():
        body["ttlSeconds"] = int(ttl) if ttl.isdecimal() else ttl
    return body


async def send_notification(
    form: dict[str, Any], actor: Actor, ip: str | None = None, time_zone: str = ""
) -> SendOutcome:
    """Validate and send (or schedule) what the form holds; the message for the operator."""
    try:
        outcome = await scheduled_sends.send_or_schedule(form_body(form, time_zone), actor=actor, ip=ip)
    except sending.SendError as exc:
        return SendOutcome(False, exc.message, exc.field)
    if isinstance(outcome, scheduled_sends.Scheduled):
        where = zone(time_zone) or UTC_ZONE
        return SendOutcome(
            True, f"Scheduled for {outcome.send_at.astimezone(where):%a %d %b %Y, %H:%M:%S} ({where.key})."
        )
    if isinstance(outcome, bulk_sends.Accepted):
        return SendOutcome(True, f"Sending to {outcome.count:,} users in the background; the history shows how far.")
    count = len(outcome)
    return SendOutcome(True, f"Sent {count} notification{'' if count == 1 else 's'}.")


@holds_user_data
class OperatorState(AuthState):
    checked: bool = False
    allowed: bool = False
    sending: bool = False
    result: str = ""
    result_ok: bool = False
    # The request field a failed send named (e.g. "url"), for the form to point at.
    result_field: str = ""
    # The form's category choices, read on load (operators define them on /operator/categories).
    category_options: list[CategoryOption] = []

    total_clients: int = 0
    connected_users: int = 0
    per_user: list[UserConnections] = []

    # The console's charts (history/charts.py): lists of flat dicts, [] = no data yet.
    chart_connections: list[dict[str, Any]] = []
    chart_sends: list[dict[str, Any]] = []
    chart_latency: list[dict[str, Any]] = []
    chart_read_rate: list[dict[str, Any]] = []
    channel_totals: list[ChannelTotals] = []
    channel_failures: list[ChannelFailure] = []

    @access.user
    async def load(self):
        """on_load of /operator: signed-out -> /login; non-operators see "not allowed"."""
        self.result = self.result_field = ""
        if (redirect := await self._check_operator()) is not None:
            return redirect
        if self.allowed:
            self.category_options = await run_in_threadpool(_category_options)
            await self._refresh_stats()
            await self._refresh_charts()
        return None

    @access.operator
    async def send(self, form_data: dict[str, Any]):
        if (redirect := await self._check_operator()) is not None:
            yield redirect
            return
        if not self.allowed:
            self.result_ok, self.result, self.result_field = False, "Only operators can send notifications.", ""
            return
        self.sending = True
        yield
        time_zone = (await self.get_state(ScheduledState)).time_zone
        try:
            # The audit log names the operator (resolved from the cookie just above).
            actor = Actor.user(self._user_id, self.username)
            outcome = await send_notification(form_data, actor, self.router.session.client_ip or None, time_zone)
        finally:
            self.sending = False
        self.result_ok, self.result, self.result_field = outcome.ok, outcome.message, outcome.field
        if self.result_ok:
            # The message's text and time start empty again; the options (type, priority,
            # recipients, category, link, group key, expiry) stay: a series is sent alike,
            # and a grouped row takes the latest send's fields.
            reset = [browser_events.set_value(f"send-{name}", "") for name in ("title", "content", "at")]
            yield [*reset, ScheduledState.refresh]

    @access.operator
    async def refresh_stats(self, _tick: str = ""):
        """Called every few seconds by the page while it is open.

        The session and role are checked again on every tick, not trusted from page load:
        after a logout elsewhere or an expiry the tab goes to /login, after a demotion it
        shows "not allowed"; either way the stats are cleared.
        """
        if not self.allowed:
            return None
        if (redirect := await self._check_operator()) is not None:
            return redirect
        if self.allowed:
            await self._refresh_stats()
        return None

    @access.operator
    async def refresh_charts(self, _tick: str = ""):
        """Every few seconds while the page is open; the same checks as `refresh_stats`."""
        if not self.allowed:
            return None
        if (redirect := await self._check_operator()) is not None:
            return redirect
        if self.allowed:
            await self._refresh_charts()
        return None

    async def _check_operator(self) -> rx.event.EventSpec | None:
        """Resolve the user now and set `checked` / `allowed` (clearing the stats unless
        allowed); the redirect to /login if the session is gone, else None."""
        user = await self._current_user()
        self.checked = user is not None
        self.allowed = bool(user and user.is_operator)
        if not self.allowed:
            self._clear_stats()
        return login_redirect(OPERATOR_ROUTE) if user is None else None

    def _clear_user_data(self) -> None:
        self.checked = self.allowed = self.sending = self.result_ok = False
        self.result = self.result_field = ""
        self.category_options = []
        self._clear_stats()

    def _clear_stats(self) -> None:
        self.total_clients = 0
        self.connected_users = 0
        self.per_user = []
        self._show_charts(ChartData())

    def _show_charts(self, data: ChartData) -> None:
        self.chart_connections = data.connections
        self.chart_sends = data.sends
        self.chart_latency = data.latency
        self.chart_read_rate = data.read_rate
        self.channel_totals = [ChannelTotals(**row) for row in data.channels]
        self.channel_failures = [ChannelFailure(**row) for row in data.failures]

    async def _refresh_charts(self) -> None:
        data = await run_in_threadpool(_chart_data)
        # The connections chart ends with the counts shown above it, so it is live between
        # the stored samples (every 15 s).
        now = {
            "time": datetime.now(UTC).strftime("%H:%M:%S"),
            "streams": self.total_clients,
            "users": self.connected_users,
        }
        self._show_charts(dataclasses.replace(data, connections=[*data.connections, now]))

    async def _refresh_stats(self) -> None:
        stats = (await get_notification_broadcaster().cluster_stats()).to_wire()
        user_ids: list[str] = stats["connectedUserIds"]
        names = await run_in_threadpool(_usernames, user_ids) if user_ids else {}
        self.total_clients = stats["totalClients"]
        self.connected_users = len(user_ids)
        self.per_user = sorted(
            (UserConnections(names.get(uid, uid), stats["userClientCounts"][uid]) for uid in user_ids),
            key=lambda row: (-row.clients, row.username),
        )
