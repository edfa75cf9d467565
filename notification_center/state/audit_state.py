"""/operator/audit: the audit log, newest first, a page at a time."""

from __future__ import annotations

import dataclasses

from starlette.concurrency import run_in_threadpool

from notification_center.audit import service as audit
from notification_center.db import session_scope
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data
from notification_center.state.operator_access import check_operator

AUDIT_ROUTE = "/operator/audit"
PAGE_SIZE = 50
MAX_ROWS = 500  # Reflex sends a list whole on each change: beyond this, use the CSV export
ACTION_LABELS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in",
    "key_created": "Created API key",
    "key_revoked": "Revoked API key",
    "notification_sent": "Sent notification",
    "send_scheduled": "Scheduled a send",
    "send_cancelled": "Cancelled a scheduled send",
    "category_created": "Created category",
    "category_changed": "Changed category",
}


@dataclasses.dataclass(frozen=True)
class AuditRow:
    id: int = 0
    at: str = ""
    action: str = ""
    label: str = ""
    actor: str = ""
    actor_type: str = ""
    target: str = ""
    detail: str = ""
    ip: str = ""


def _page(before: int | None) -> tuple[list[AuditRow], str | None]:
    with session_scope() as session:
        page = audit.list_page(session=session, limit=PAGE_SIZE, before=before)
        wires = [audit.to_wire(event) for event in page.items]
    rows = [
        AuditRow(
            w["id"],
            f"{w['at'][:10]} {w['at'][11:19]}",
            w["action"],
            ACTION_LABELS.get(w["action"], w["action"]),
            w["actor"],
            w["actorType"],
            w["target"],
            w["detail"],
            w["ip"] or "",
        )
        for w in wires
    ]
    return rows, page.next_cursor


@holds_user_data
class AuditState(AuthState):
    checked: bool = False
    allowed: bool = False
    rows: list[AuditRow] = []
    next_cursor: str = ""

    async def _allowed(self):
        user, redirect = await check_operator(self, AUDIT_ROUTE)
        self.checked = redirect is None
        self.allowed = user is not None
        if user is None:
            self.rows, self.next_cursor = [], ""
        return redirect

    @access.user
    async def load(self):
        if (redirect := await self._allowed()) is not None or not self.allowed:
            return redirect
        rows, cursor = await run_in_threadpool(_page, None)
        self.rows, self.next_cursor = rows, cursor or ""
        return None

    @access.operator
    async def load_more(self):
        if (redirect := await self._allowed()) is not None or not self.allowed or not self.next_cursor:
            return redirect
        rows, cursor = await run_in_threadpool(_page, int(self.next_cursor))
        self.rows = [*self.rows, *rows][:MAX_ROWS]
        self.next_cursor = (cursor or "") if len(self.rows) < MAX_ROWS else ""
        return None

    def _clear_user_data(self) -> None:
        self.checked = self.allowed = False
        self.rows, self.next_cursor = [], ""
