"""/operator/history and its detail view: the sent history with live figures.

The page re-reads its rows every few seconds while open (the figures move as recipients
connect and read), through the same service functions as GET /api/history. Every read
checks the session and role again, like the operator page.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx
from starlette.concurrency import run_in_threadpool

from notification_center.db import session_scope
from notification_center.history import queries
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data
from notification_center.state.operator_access import check_operator

HISTORY_ROUTE = "/operator/history"
DETAIL_ROUTE = "/operator/history/send"
PAGE_SIZE = 50
ANY = "any"


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    id: str = ""
    sender: str = ""
    sender_kind: str = ""
    created_at: str = ""
    title: str = ""
    type: str = ""
    recipients: int = 0
    delivered: int = 0
    seen: int = 0
    read: int = 0
    channels: str = ""  # e.g. "push: 3 sent, 1 failed, 2 clicked"
    push_sent: int = 0
    push_failed: int = 0
    push_clicked: int = 0
    state: str = "sent"  # "sending" while a big send is written in the background
    progress: str = ""  # e.g. "writing: 3,000 of 10,000" while sending

    @classmethod
    def from_wire(cls, item: dict[str, Any]) -> HistoryRow:
        push = item.get("channels", {}).get("push", {})
        return cls(
            id=item["id"],
            sender=item["sender"]["label"],
            sender_kind=item["sender"]["kind"],
            created_at=item["createdAt"].replace("T", " ")[:19],
            title=item["title"],
            type=item["type"],
            recipients=item["recipients"],
            delivered=item["delivered"],
            seen=item["seen"],
            read=item["read"],
            channels=channel_summary(item.get("channels", {})),
            push_sent=push.get("sent", 0),
            push_failed=push.get("failed", 0),
            push_clicked=push.get("clicked", 0),
            state=item.get("state", "sent"),
            progress=""
            if item.get("state", "sent") == "sent"
            else f"writing: {item['written']:,} of {item['recipients']:,}",
        )


def channel_summary(channels: dict[str, dict[str, int]]) -> str:
    """ "push: 3 sent, 1 failed, 2 clicked" per outside channel, leaving out the zeros."""
    parts = []
    for name, counts in sorted(channels.items()):
        figures = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
        if figures:
            parts.append(f"{name}: {figures}")
    return "; ".join(parts)


def recipient_channels(channels: dict[str, dict[str, Any]]) -> str:
    """ "push failed after 5 attempts (410 gone)" per outside channel of one recipient."""
    parts = []
    for name, delivery in sorted(channels.items()):
        text = f"{name} {delivery['status']}"
        if delivery.get("attempts", 0) > 1:
            text += f" after {delivery['attempts']} attempts"
        if delivery.get("clickedAt"):
            text += ", clicked"
        if delivery.get("lastError") and delivery["status"] != "sent":
            text += f" ({delivery['lastError']})"
        parts.append(text)
    return "; ".join(parts) or "—"


@dataclasses.dataclass(frozen=True)
class RecipientRow:
    username: str = ""
    delivered_at: str = ""
    seen_at: str = ""
    read_at: str = ""
    channels: str = "—"


def _short(stamp: str | None) -> str:
    return stamp.replace("T", " ")[:19] if stamp else "—"


def parse_day(raw: str, name: str) -> datetime | None:
    """A YYYY-MM-DD date field (UTC midnight), or None when empty; ValueError names it."""
    text = raw.strip()
    if not text:
        return None
    try:
        day = datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{name}: must be a date (YYYY-MM-DD)") from None
    if not 1970 <= day.year <= 9000:  # "to" adds a day; the year 9999 would overflow
        raise ValueError(f"{name}: must be a year between 1970 and 9000")
    return day


def history_filter(form: dict[str, Any]) -> queries.HistoryFilter:
    """The filter form as a HistoryFilter; "to" includes its whole day."""
    since = parse_day(str(form.get("from", "")), "from")
    until = parse_day(str(form.get("to", "")), "to")
    if until is not None:
        until += timedelta(days=1)
    sender = str(form.get("sender", "")).strip()[:64] or None
    kind = str(form.get("type", ANY))
    return queries.HistoryFilter(sender=sender, type=None if kind == ANY else kind, since=since, until=until)


def _page(filters: queries.HistoryFilter) -> list[HistoryRow]:
    with session_scope() as session:
        page = queries.list_sends(session=session, filters=filters, limit=PAGE_SIZE)
        return [HistoryRow.from_wire(item) for item in page.items]


def _detail(send_id: str) -> tuple[HistoryRow, list[RecipientRow]] | None:
    with session_scope() as session:
        found = queries.send_detail(session=session, send_id=send_id, limit=500)
    if found is None:
        return None
    recipients = [
        RecipientRow(
            r["username"],
            _short(r["deliveredAt"]),
            _short(r["seenAt"]),
            _short(r["readAt"]),
            recipient_channels(r.get("channels", {})),
        )
        for r in found["recipients"]
    ]
    return HistoryRow.from_wire(found["send"]), recipients


@holds_user_data
class HistoryState(AuthState):
    checked: bool = False
    allowed: bool = False
    rows: list[HistoryRow] = []
    filter_error: str = ""
    detail: HistoryRow = HistoryRow()
    detail_found: bool = False
    recipients: list[RecipientRow] = []

    _filters: queries.HistoryFilter = queries.HistoryFilter()
    _detail_id: str = ""

    async def _check_operator(self, route: str) -> rx.event.EventSpec | None:
        operator, redirect = await check_operator(self, route)
        self.checked = redirect is None
        self.allowed = operator is not None
        if not self.allowed:
            self._clear_rows()
        return redirect

    def _clear_rows(self) -> None:
        self.rows = []
        self.detail = HistoryRow()
        self.detail_found = False
        self.recipients = []

    def _clear_user_data(self) -> None:
        self.checked = self.allowed = False
        self.filter_error = ""
        self._filters = queries.HistoryFilter()
        self._clear_rows()

    @access.user
    async def load(self):
        """on_load of /operator/history."""
        self.filter_error = ""
        if (redirect := await self._check_operator(HISTORY_ROUTE)) is not None:
            return redirect
        if self.allowed:
            self.rows = await run_in_threadpool(_page, self._filters)
        return None

    @access.operator
    async def refresh(self, _tick: str = ""):
        """Every few seconds while the page is open: the figures move as people read."""
        if not self.allowed:
            return None
        return await self.load()

    @access.operator
    async def apply_filters(self, form: dict[str, Any]):
        try:
            self._filters = history_filter(form)
        except ValueError as exc:
            self.filter_error = str(exc)
            return None
        return await self.load()

    @access.user
    async def load_detail(self):
        """on_load of the detail view (`?id=send_...`)."""
        self._detail_id = str(self.router.url.query_parameters.get("id", ""))[:64]
        return await self.refresh_detail()

    @access.operator
    async def refresh_detail(self, _tick: str = ""):
        if (redirect := await self._check_operator(DETAIL_ROUTE)) is not None:
            return redirect
        if not self.allowed:
            return None
        found = await run_in_threadpool(_detail, self._detail_id) if queries.is_send_id(self._detail_id) else None
        self.detail_found = found is not None
        self.detail, self.recipients = found if found is not None else (HistoryRow(), [])
        return None
