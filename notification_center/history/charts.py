"""The console's four chart series, read from the database in one unit of work.

Each series is a list of flat dicts (what recharts plots); an empty list means "no data
yet", which the page shows as such.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from notification_center.history.queries import CHANNEL_FIGURES, figures
from notification_center.models import Delivery, DeliveryStatus, Send, User
from notification_center.monitoring import connections, latency

WINDOW_SECONDS = 3600
READ_RATE_SENDS = 10


@dataclass(frozen=True)
class ChartData:
    connections: list[dict[str, Any]] = field(default_factory=list)  # time, streams, users
    sends: list[dict[str, Any]] = field(default_factory=list)  # time, sends
    latency: list[dict[str, Any]] = field(default_factory=list)  # time, p50, p95 (ms)
    read_rate: list[dict[str, Any]] = field(default_factory=list)  # send, rate (%), read, recipients
    # Outside channels (push) in the window: channel, pending, sent, failed, skipped, cancelled, clicked
    channels: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)  # time, channel, username, error (newest first)


def _clock(epoch: float, seconds: bool = False) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S" if seconds else "%H:%M")


def connection_series(*, session: Session, now: float) -> list[dict[str, Any]]:
    rows = connections.samples(session=session, since=int(now) - WINDOW_SECONDS)
    return [{"time": _clock(r.slot, seconds=True), "streams": r.streams, "users": r.users} for r in rows]


def sends_series(*, session: Session, now: float) -> list[dict[str, Any]]:
    """Sends per minute over the last hour, zeros included; [] when there were none."""
    since = datetime.fromtimestamp(now - WINDOW_SECONDS, UTC)
    created = session.exec(select(Send.created_at).where(col(Send.created_at) >= since))
    per_minute: dict[int, int] = {}
    for at in created:
        minute = int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() // 60)
        per_minute[minute] = per_minute.get(minute, 0) + 1
    if not per_minute:
        return []
    last = int(now // 60)
    return [{"time": _clock(m * 60), "sends": per_minute.get(m, 0)} for m in range(last - 59, last + 1)]


def latency_series(*, session: Session, now: float) -> list[dict[str, Any]]:
    """Delivery latency p50/p95 (ms, bucket edges) per minute of delivery, last hour."""
    found = latency.per_minute(session=session, since_minute=int(now - WINDOW_SECONDS) // 60)
    return [
        {"time": _clock(m * 60), "p50": latency.percentile(h, 0.5), "p95": latency.percentile(h, 0.95)}
        for m, h in sorted(found.items())
    ]


def read_rate_series(*, session: Session, limit: int = READ_RATE_SENDS) -> list[dict[str, Any]]:
    """Read rate (% of recipients who read) of the last `limit` sends, oldest first."""
    rows = list(session.exec(select(Send).order_by(col(Send.created_at).desc(), col(Send.id).desc()).limit(limit)))
    counts = figures(session=session, send_ids=[r.id for r in rows])
    series = []
    for row in reversed(rows):
        read = counts[row.id].read if row.id in counts else 0
        rate = round(100 * read / row.recipients, 1) if row.recipients else 0.0
        label = row.title if len(row.title) <= 18 else row.title[:17] + "…"
        series.append({"send": label, "rate": rate, "read": read, "recipients": row.recipients})
    return series


def channel_totals(*, session: Session, now: float) -> list[dict[str, Any]]:
    """Each outside channel's delivery rows made in the window, by status, and clicks."""
    since = datetime.fromtimestamp(now - WINDOW_SECONDS, UTC)
    query = (
        select(Delivery.channel, Delivery.status, func.count(), func.count(col(Delivery.clicked_at)))
        .where(col(Delivery.created_at) >= since)
        .group_by(col(Delivery.channel), col(Delivery.status))
    )
    totals: dict[str, dict[str, Any]] = {}
    for channel, status, count, clicked in session.exec(query):
        row = totals.setdefault(channel, {"channel": channel, **dict.fromkeys(CHANNEL_FIGURES, 0)})
        if status in row:
            row[status] += int(count)
        row["clicked"] += int(clicked)
    return [totals[name] for name in sorted(totals)]


def recent_failures(*, session: Session, now: float, limit: int = 5) -> list[dict[str, Any]]:
    """The newest failed deliveries in the window, with the reason the channel gave."""
    since = datetime.fromtimestamp(now - WINDOW_SECONDS, UTC)
    query = (
        select(Delivery.updated_at, Delivery.channel, User.username, Delivery.last_error)
        .join(User, col(User.id) == col(Delivery.user_id))
        .where(col(Delivery.status) == DeliveryStatus.FAILED.value, col(Delivery.updated_at) >= since)
        .order_by(col(Delivery.updated_at).desc())
        .limit(limit)
    )
    return [
        {"time": _stamp(when), "channel": channel, "username": username, "error": error or "no reason given"}
        for when, channel, username, error in session.exec(query)
    ]


def _stamp(when: datetime) -> str:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).strftime("%H:%M:%S")


def chart_data(*, session: Session, now: float | None = None) -> ChartData:
    now = time.time() if now is None else now
    return ChartData(
        connections=connection_series(session=session, now=now),
        sends=sends_series(session=session, now=now),
        latency=latency_series(session=session, now=now),
        read_rate=read_rate_series(session=session),
        channels=channel_totals(session=session, now=now),
        failures=recent_failures(session=session, now=now),
    )
