"""The operator page: send notifications from a form, watch live connection stats.

Sending goes through exactly what `POST /api/notifications` uses: `SendRequest` for
validation (same rules, same messages naming the field), `service.resolve_recipients`
and the in-app channel's `deliver_many` (persist, then publish).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from notification_center.auth.users import usernames_by_id
from notification_center.channels.in_app import get_in_app_channel_handler
from notification_center.db import session_scope
from notification_center.models import User
from notification_center.notifications import service
from notification_center.notifications.schemas import SendRequest, describe_errors
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.state.auth_state import AuthState, login_redirect

OPERATOR_ROUTE = "/operator"
ALL = "all"


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


def _resolve(recipients: list[str] | str) -> list[User]:
    with session_scope() as session:
        return service.resolve_recipients(session=session, recipients=recipients)


def _usernames(user_ids: list[str]) -> dict[str, str]:
    with session_scope() as session:
        return usernames_by_id(session=session, user_ids=user_ids)


async def send_notification(form: dict[str, Any]) -> tuple[bool, str]:
    """Validate and send what the form holds: (ok, message for the operator)."""
    payload = {
        "title": form.get("title", ""),
        "content": form.get("content", ""),
        "type": form.get("type") or "info",
        "priority": form.get("priority") or "normal",
        "recipients": parse_recipients(str(form.get("recipients", ""))),
    }
    try:
        request = SendRequest.model_validate(payload)
    except ValidationError as exc:
        return False, describe_errors(exc)[0]
    try:
        users = await run_in_threadpool(_resolve, request.recipients)
    except service.UnknownRecipientsError as exc:
        return False, f"recipients: unknown user(s): {', '.join(exc.usernames)}"
    draft = service.Draft(
        title=request.title, content=request.content, type=request.type.value, priority=request.priority.value
    )
    created = await get_in_app_channel_handler().deliver_many(draft, users)
    count = len(created)
    return True, f"Sent {count} notification{'' if count == 1 else 's'}."


class OperatorState(AuthState):
    checked: bool = False
    allowed: bool = False
    sending: bool = False
    result: str = ""
    result_ok: bool = False

    total_clients: int = 0
    connected_users: int = 0
    per_user: list[UserConnections] = []

    @rx.event
    async def load(self):
        """on_load of /operator: signed-out -> /login; non-operators see "not allowed"."""
        user = await self.current_user()
        if user is None:
            self.checked = self.allowed = False
            return login_redirect(OPERATOR_ROUTE)
        self.allowed = user.is_operator
        self.checked = True
        self.result = ""
        if self.allowed:
            await self._refresh_stats()
        return None

    @rx.event
    async def send(self, form_data: dict[str, Any]):
        user = await self.current_user()
        if user is None:
            yield login_redirect(OPERATOR_ROUTE)
            return
        if not user.is_operator:
            self.allowed = False
            self.result_ok, self.result = False, "Only operators can send notifications."
            return
        self.sending = True
        yield
        try:
            self.result_ok, self.result = await send_notification(form_data)
        finally:
            self.sending = False
        if self.result_ok:
            yield [rx.set_value("send-title", ""), rx.set_value("send-content", "")]

    @rx.event
    async def refresh_stats(self, _tick: str = ""):
        """Called every few seconds by the page while it is open."""
        if self.allowed:
            await self._refresh_stats()

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
