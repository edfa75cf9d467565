"""The operator page's scheduled sends: the pending list, cancelling, and the browser's
time zone, in which the form's `send-at` field (a local date and time) is meant.

Like every operator handler, each one checks the session and role again; the list and
cancel go through scheduling/scheduled_sends.py, as GET and DELETE /api/scheduled do.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import reflex as rx
from starlette.concurrency import run_in_threadpool

from notification_center.audit import service as audit
from notification_center.components import browser_events
from notification_center.scheduling import scheduled_sends
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data, login_redirect
from notification_center.state.browser_time import BROWSER_TIME_ZONE_JS, UTC_ZONE, zone

OPERATOR_ROUTE = "/operator"


@dataclasses.dataclass(frozen=True)
class ScheduledView:
    id: str = ""
    send_at: str = ""
    title: str = ""
    recipients: str = ""
    created_by: str = ""


def _view(item: dict[str, Any]) -> ScheduledView:
    recipients = item["recipients"]
    return ScheduledView(
        id=item["id"],
        send_at=item["sendAt"],
        title=item["title"],
        recipients=recipients if isinstance(recipients, str) else ", ".join(recipients),
        created_by=item["createdBy"],
    )


def send_at_from_form(local: str, time_zone: str) -> str | None:
    """The form's `send-at` ("2026-11-27T14:30", a local time) as an ISO time with its
    offset, in the browser's zone (UTC if unknown). Empty: None (send now). Unreadable:
    as typed, so the send's validation names `sendAt`."""
    text = local.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(time_zone) or UTC_ZONE)
    return moment.isoformat()


@holds_user_data
class ScheduledState(AuthState):
    pending: list[ScheduledView] = []
    pending_total: int = 0
    time_zone: str = ""  # the browser's IANA zone name

    def _clear_user_data(self) -> None:
        self.pending, self.pending_total = [], 0

    async def _operator(self) -> tuple[bool, rx.event.EventSpec | None]:
        user = await self._current_user()
        if user is None:
            return False, login_redirect(OPERATOR_ROUTE)
        if not user.is_operator:
            self._clear_user_data()
            return False, None
        return True, None

    @access.user
    async def load(self):
        """When the operator page shows the list: fill it, and learn the browser's zone."""
        allowed, redirect = await self._operator()
        if redirect is not None:
            return redirect
        if not allowed:
            return None
        await self._refresh()
        return browser_events.script(BROWSER_TIME_ZONE_JS, callback=ScheduledState.set_time_zone)

    @access.anyone
    def set_time_zone(self, name: str):
        self.time_zone = name if zone(name) else ""

    @access.operator
    async def refresh(self, _tick: str = ""):
        allowed, redirect = await self._operator()
        if allowed:
            await self._refresh()
        return redirect

    @access.operator
    async def cancel(self, scheduled_id: str):
        allowed, redirect = await self._operator()
        if not allowed:
            return redirect
        try:
            actor = audit.Actor.user(self._user_id, self.username)
            await scheduled_sends.cancel(scheduled_id, actor=actor, ip=self.router.session.client_ip or None)
            message = browser_events.toast("success", "Scheduled send cancelled.")
        except scheduled_sends.CancelError as exc:
            message = browser_events.toast("warning", f"Not cancelled: it is {exc.status or 'gone'} already.")
        await self._refresh()
        return message

    async def _refresh(self) -> None:
        listed = await run_in_threadpool(scheduled_sends.list_pending)
        self.pending = [_view(item) for item in listed["items"]]
        self.pending_total = listed["total"]
