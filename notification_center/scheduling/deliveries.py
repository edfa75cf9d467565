"""Draining the delivery rows of the outside channels (push, email): claimed like every other due
work (claim.py), sent after the claim committed, settled in a second short transaction.

Claiming moves a row's `next_attempt_at` a lease ahead and counts the attempt, in the
claiming statement, so of every worker and node polling exactly one takes it. The row stays
`pending` while it is being sent: a worker that dies mid-send leaves it to be claimed again
when the lease ends (that one push may then go out twice; it is never lost). Settling is a
conditional UPDATE guarded by the attempt number, so a late settle cannot undo a newer one.

Transitions (`settle`, pure): every target accepted -> sent; nothing to send to (no
subscription left, all gone) -> skipped/failed with the reason; a transient failure
(429/5xx, network) -> pending again after an exponential backoff (at least Retry-After),
or failed once `max_attempts` were made; a deleted or expired notification -> cancelled;
"offline" mode and the user has an open stream anywhere in the cluster -> skipped; a row the
channel no longer wants (`cancel_reason`: an "unread" mail whose notification was read) ->
cancelled. A channel may `combine` the jobs of one claim (email: a user's digest rows into one
mail; the job's `members` are settled with it) and has its own `retry_policy`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from notification_center import metrics
from notification_center.channels import pipeline
from notification_center.channels.base import OutboundChannel, Outcome, Target
from notification_center.db import session_scope
from notification_center.models import Delivery, DeliveryStatus, Notification, utcnow
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.scheduling.claim import claim_due
from notification_center.scheduling.runner import Claimed, DueWork
from notification_center.settings import get_settings

BATCH = 100
MAX_BACKOFF_SECONDS = 3600.0
CONCURRENCY = 20  # pushes in flight per worker


def outbound_channel(name: str) -> OutboundChannel:
    """The active outside channel of that name (from the pipeline itself, so a worker that
    never sent anything still knows every channel it may have to drain)."""
    for channel in pipeline.active_channels():
        if channel.name == name:
            return channel  # type: ignore[return-value]
    raise LookupError(f"no outside channel named {name!r}")


def lease_seconds() -> float:
    """Longer than one batch can take to send, so a claimed row is not claimed again meanwhile."""
    return max(60.0, get_settings().push_timeout_seconds * 3)


def backoff(attempts: int, base: float, retry_after: float | None = None) -> float:
    """Seconds before attempt `attempts + 1`: base, 2 base, 4 base, ... capped at an hour, and
    never sooner than the push service's Retry-After."""
    delay = min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_BACKOFF_SECONDS))
    return delay


@dataclass(frozen=True)
class Settled:
    status: str
    error: str | None = None
    delay: float | None = None  # pending again after this many seconds


def settle(
    outcomes: Sequence[Outcome], *, attempts: int, max_attempts: int, base: float, nothing: str = "no push subscription"
) -> Settled:
    """The row's next state from this attempt's outcomes (one per target not done yet);
    `nothing`: the reason given when there was no target at all."""
    if not outcomes:
        return Settled(DeliveryStatus.SKIPPED.value, nothing)
    if all(o.ok for o in outcomes):
        return Settled(DeliveryStatus.SENT.value)
    retrying = [o for o in outcomes if o.retry]
    if retrying:
        error = retrying[0].error
        if attempts >= max_attempts:
            return Settled(DeliveryStatus.FAILED.value, f"after {attempts} attempts: {error}")
        retry_after = max((o.retry_after for o in retrying if o.retry_after is not None), default=None)
        return Settled(DeliveryStatus.PENDING.value, error, backoff(attempts, base, retry_after))
    if any(o.ok for o in outcomes):  # some browsers got it; the others are gone or refused it
        return Settled(DeliveryStatus.SENT.value, next(o.error for o in outcomes if not o.ok))
    return Settled(DeliveryStatus.FAILED.value, outcomes[0].error)


@dataclass
class Job:
    """One claimed row and what its attempt needs."""

    delivery_id: int
    channel: str
    user_id: str
    mode: str
    attempts: int
    notification: dict[str, Any]
    targets: list[Target]
    results: dict[str, Outcome] = field(default_factory=dict)
    members: list[tuple[int, int]] = field(default_factory=list)  # (delivery id, attempts) settled alike


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _finish(session: Session, delivery_id: int, attempts: int, values: dict[str, Any]) -> None:
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.attempts) == attempts)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )


MAX_GROUP_ROWS = 5000  # a user's due rows of one combined mail claimed at most at once


def _claim_rows(session: Session, now: datetime, limit: int, where: Sequence[Any] = ()) -> list[Any]:
    table = Delivery.__table__  # type: ignore[attr-defined]
    return claim_due(
        session,
        table,
        key=table.c.id,
        due=table.c.next_attempt_at,
        now=now,
        limit=limit,
        where=[table.c.status == DeliveryStatus.PENDING.value, *where],
        values={
            "next_attempt_at": now + timedelta(seconds=lease_seconds()),
            "attempts": table.c.attempts + 1,
            "updated_at": now,
        },
        returning=[
            table.c.id,
            table.c.notification_id,
            table.c.user_id,
            table.c.channel,
            table.c.mode,
            table.c.attempts,
            table.c.done_targets,
        ],
    )


def _group_rows(session: Session, now: datetime, claimed: list[Any]) -> list[Any]:
    """The other due rows of the users whose rows a channel combines into one mail (email
    digests), claimed in the same transaction: a batch boundary falling inside one user's
    digest does not split it into two mails."""
    table = Delivery.__table__  # type: ignore[attr-defined]
    more: list[Any] = []
    for name in sorted({row.channel for row in claimed}):
        modes = getattr(outbound_channel(name), "combined_modes", ())
        users = sorted({row.user_id for row in claimed if row.channel == name and row.mode in modes})
        if users:
            where = [table.c.channel == name, table.c.mode.in_(modes), table.c.user_id.in_(users)]
            more += _claim_rows(session, now, MAX_GROUP_ROWS, where)
    return more


def _claim(session: Session, now: datetime, limit: int) -> Claimed:
    claimed = _claim_rows(session, now, limit)
    if not claimed:
        return Claimed()
    claimed += _group_rows(session, now, claimed)
    ids = [row.notification_id for row in claimed]
    notifications = {
        n.id: n.model_dump() for n in session.exec(select(Notification).where(col(Notification.id).in_(ids)))
    }
    by_channel: dict[str, list[Any]] = {}
    for row in claimed:
        by_channel.setdefault(row.channel, []).append(row)
    jobs: list[Job] = []
    for name, rows in by_channel.items():
        channel = outbound_channel(name)
        targets = channel.targets(session=session, user_ids=sorted({r.user_id for r in rows}))
        wanted = getattr(channel, "cancel_reason", None)
        found: list[Job] = []
        for row in rows:
            notification = notifications.get(row.notification_id)
            expires = _aware(notification["expires_at"]) if notification else None
            if notification is None or notification["deleted_at"] is not None or (expires and expires <= now):
                reason: str | None = "the notification was deleted or expired"
            else:
                reason = wanted(notification, row.mode) if wanted else None
            if reason is not None:
                _finish(session, row.id, row.attempts, {"status": DeliveryStatus.CANCELLED.value, "last_error": reason})
                metrics.PUSH_DELIVERIES.labels(name, DeliveryStatus.CANCELLED.value).inc()
                continue
            done = set(filter(None, row.done_targets.split(",")))
            todo = [t for t in targets.get(row.user_id, []) if t.id not in done]
            found.append(Job(row.id, name, row.user_id, row.mode, row.attempts, notification, todo))
        combine = getattr(channel, "combine", None)
        jobs.extend(combine(found) if combine else found)
    return Claimed(len(claimed), partial(_send_all, jobs))


async def _online(user_ids: set[str]) -> set[str]:
    """Who of `user_ids` has an open stream on any worker or node (the cluster's presence)."""
    if not user_ids:
        return set()
    stats = await get_notification_broadcaster().cluster_stats()
    return {uid for uid in user_ids if stats.user_client_counts.get(uid, 0) > 0}


async def _send_all(jobs: list[Job]) -> None:
    online = await _online({j.user_id for j in jobs if j.mode == "offline"})
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Job, target: Target) -> None:
        async with gate:
            job.results[target.id] = await outbound_channel(job.channel).deliver(job.notification, target)

    sending = [job for job in jobs if not (job.mode == "offline" and job.user_id in online)]
    await asyncio.gather(*(one(job, target) for job in sending for target in job.targets))
    await run_in_threadpool(_record, jobs, online)


def _policy(channel: OutboundChannel) -> tuple[int, float]:
    """(max attempts, backoff base) of that channel (push's settings unless it has its own)."""
    own = getattr(channel, "retry_policy", None)
    if own is not None:
        return own()
    settings = get_settings()
    return settings.push_max_attempts, settings.push_retry_base_seconds


def _record(jobs: list[Job], online: set[str]) -> None:
    now = utcnow()
    with session_scope() as session:
        for job in jobs:
            if job.mode == "offline" and job.user_id in online:
                _finish(
                    session,
                    job.delivery_id,
                    job.attempts,
                    {"status": DeliveryStatus.SKIPPED.value, "last_error": "the user had an open stream"},
                )
                metrics.PUSH_DELIVERIES.labels(job.channel, DeliveryStatus.SKIPPED.value).inc()
                continue
            channel = outbound_channel(job.channel)
            gone = [tid for tid, o in job.results.items() if o.gone]
            if gone:
                channel.forget(session=session, target_ids=gone)
            max_attempts, base = _policy(channel)
            state = settle(
                list(job.results.values()),
                attempts=job.attempts,
                max_attempts=max_attempts,
                base=base,
                nothing=getattr(channel, "no_target_reason", "no push subscription"),
            )
            values: dict[str, Any] = {"status": state.status, "last_error": state.error}
            accepted = [tid for tid, o in job.results.items() if o.ok]
            if accepted:
                values["done_targets"] = _done_targets(session, job.delivery_id, accepted)
            if state.delay is not None:
                values["next_attempt_at"] = now + timedelta(seconds=state.delay)
            _finish(session, job.delivery_id, job.attempts, values)
            for member_id, member_attempts in job.members:
                _finish(session, member_id, member_attempts, values)
            metrics.PUSH_DELIVERIES.labels(job.channel, state.status).inc(1 + len(job.members))


def _done_targets(session: Session, delivery_id: int, accepted: list[str]) -> str:
    current = session.exec(select(Delivery.done_targets).where(col(Delivery.id) == delivery_id)).one_or_none() or ""
    return ",".join(sorted(set(filter(None, current.split(","))) | set(accepted)))[:2000]


def work(batch_size: int = BATCH) -> DueWork:
    return DueWork("deliveries", _claim, batch_size)
