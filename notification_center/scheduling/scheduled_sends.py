"""Scheduled sends: `sendAt` on a send stores it; the scheduler fires it once at its time.

The stored body is the validated request without `sendAt`. Firing claims the row
(pending -> sent) and persists the notifications through the normal send path
(`sending.persist`) in the same transaction, so a send fires exactly once however many
workers and nodes poll, and a cancel racing the scheduler either wins (nothing is sent)
or finds the send fired (409). Recipients are checked when the send is scheduled and
resolved again when it fires ("all" means everybody at that time), and so is the sender's
authority: a send whose API key was revoked (or expired), or whose operator lost the role,
fails at its time instead of going out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from notification_center import sending
from notification_center.audit import service as audit
from notification_center.db import session_scope
from notification_center.keys import service as keys
from notification_center.models import ApiKey, Role, ScheduledSend, ScheduledSendStatus, User
from notification_center.notifications import service
from notification_center.notifications.schemas import SendRequest
from notification_center.scheduling import bulk_sends
from notification_center.scheduling.claim import claim_due
from notification_center.scheduling.runner import Claimed, DueWork
from notification_center.timefmt import iso_ms

# Sends per claim: each may reach every user, and all of a batch share one transaction.
BATCH = 20
MAX_LISTED = 100
_PENDING = ScheduledSendStatus.PENDING.value


@dataclass(frozen=True)
class Scheduled:
    id: str
    send_at: datetime

    def to_wire(self) -> dict[str, str]:
        return {"scheduledId": self.id, "sendAt": iso_ms(self.send_at)}


class CancelError(LookupError):
    """Not cancellable: `status` is None when there is no such send, else its state."""

    def __init__(self, status: str | None) -> None:
        super().__init__(status or "not found")
        self.status = status


def _is_scheduled_id(value: str) -> bool:
    return value.startswith("sched_") and len(value) <= 40 and value[6:].isalnum() and value.isascii()


def _store(request: SendRequest, actor: audit.Actor, ip: str | None) -> Scheduled:
    assert request.sendAt is not None
    body = request.model_dump(mode="json", exclude={"sendAt"})
    with session_scope() as session:
        sending.check_category(session=session, request=request)  # as a send would, now
        if request.recipients != "all":  # unknown names fail now, as a send would
            try:
                service.resolve_recipients(session=session, recipients=request.recipients)
            except service.UnknownRecipientsError as exc:
                raise sending.unknown_recipients(exc) from None
        row = ScheduledSend(
            creator_type=actor.type,
            creator_id=actor.id,
            creator_name=actor.name[:100],
            body=json.dumps(body),
            send_at=request.sendAt,
        )
        session.add(row)
        audit.record(
            session=session,
            action=audit.Action.SEND_SCHEDULED,
            actor=actor,
            target=request.title,
            detail=f"{row.id} at {iso_ms(request.sendAt)}",
            ip=ip,
        )
    return Scheduled(row.id, request.sendAt)


async def send_or_schedule(
    body: Any, *, actor: audit.Actor, ip: str | None = None
) -> list[dict[str, Any]] | bulk_sends.Accepted | Scheduled:
    """What POST /api/notifications and the operator page do: validate `body`; with
    `sendAt`, store it for later (a `Scheduled`), else send now (the created rows, or for a
    big audience `bulk_sends.Accepted`: written in the background). Either way `actor` (an
    operator or an API key) goes to the audit log. Raises `sending.SendError` naming the
    field; then nothing was sent or stored."""
    request = sending.validate(body)
    if request.sendAt is None:
        return await sending.deliver_or_accept(request, actor=actor, ip=ip)
    return await run_in_threadpool(_store, request, actor, ip)


def _wire(row: ScheduledSend) -> dict[str, Any]:
    body = json.loads(row.body)
    return {
        "id": row.id,
        "sendAt": iso_ms(row.send_at),
        "status": row.status,
        "createdAt": iso_ms(row.created_at),
        "createdBy": row.creator_name,
        "title": body.get("title", ""),
        "content": body.get("content", ""),
        "type": body.get("type", "info"),
        "priority": body.get("priority", "normal"),
        "recipients": body.get("recipients", []),
    }


def visible_to(actor: audit.Actor | None) -> list[Any]:
    """Which scheduled sends `actor` may see and cancel, as WHERE clauses: an API key only
    those it scheduled itself (a key is one service's credential, not an operator); an
    operator (signed in) and the server itself (None) every one, as the console does."""
    if actor is None or actor.type == "user":
        return []
    return [col(ScheduledSend.creator_type) == actor.type, col(ScheduledSend.creator_id) == actor.id]


def list_pending(limit: int = MAX_LISTED, *, actor: audit.Actor | None = None) -> dict[str, Any]:
    """Pending sends `actor` may see (`visible_to`), soonest first (blocking: call it in a thread)."""
    with session_scope() as session:
        pending = [col(ScheduledSend.status) == _PENDING, *visible_to(actor)]
        total = session.exec(select(func.count()).select_from(ScheduledSend).where(*pending)).one()
        query = select(ScheduledSend).where(*pending).order_by(col(ScheduledSend.send_at), col(ScheduledSend.id))
        rows = list(session.exec(query.limit(limit)))
        return {"items": [_wire(r) for r in rows], "total": int(total)}


def _cancel(scheduled_id: str, actor: audit.Actor, ip: str | None) -> dict[str, Any]:
    if not _is_scheduled_id(scheduled_id):
        raise CancelError(None)
    mine = visible_to(actor)
    with session_scope() as session:
        # Conditional, like the scheduler's claim: of a cancel and a firing, one wins.
        changed = session.execute(
            update(ScheduledSend)
            .where(col(ScheduledSend.id) == scheduled_id, col(ScheduledSend.status) == _PENDING, *mine)
            .values(status=ScheduledSendStatus.CANCELLED.value)
            .execution_options(synchronize_session=False)
        ).rowcount
        row = session.exec(
            select(ScheduledSend)
            .where(col(ScheduledSend.id) == scheduled_id, *mine)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if row is None:  # none, or not the caller's to see: the same answer (404), nothing revealed
            raise CancelError(None)
        if not changed:
            raise CancelError(row.status)
        wire = _wire(row)
        audit.record(
            session=session, action=audit.Action.SEND_CANCELLED, actor=actor, target=wire["title"], detail=row.id, ip=ip
        )
        return wire


async def cancel(scheduled_id: str, *, actor: audit.Actor, ip: str | None = None) -> dict[str, Any]:
    """Cancel a pending send `actor` may see (`visible_to`); `CancelError` if there is no such
    send (or it is not theirs) or it is no longer pending."""
    return await run_in_threadpool(_cancel, scheduled_id, actor, ip)


def authority_lost(session: Session, creator: audit.Actor, now: datetime) -> str | None:
    """Why whoever scheduled a send may no longer send (None: they still may). A leaked key
    is revoked to stop it; that must stop what it scheduled ahead too."""
    if creator.type == "key":
        key = session.get(ApiKey, creator.id) if creator.id else None
        state = "deleted" if key is None else keys.key_state(key, now)
        return None if state == "active" else f"not sent: the API key that scheduled it is {state}"
    if creator.type == "user":
        user = session.get(User, creator.id) if creator.id else None
        if user is None or user.role != Role.OPERATOR:
            return "not sent: who scheduled it is no longer an operator"
    return None


def _fire_due(session: Session, now: datetime, limit: int) -> Claimed:
    table = ScheduledSend.__table__  # type: ignore[attr-defined]
    claimed = claim_due(
        session,
        table,
        key=table.c.id,
        due=table.c.send_at,
        now=now,
        limit=limit,
        where=[table.c.status == _PENDING],
        values={"status": ScheduledSendStatus.SENT.value, "fired_at": now},
        returning=[
            table.c.id,
            table.c.body,
            table.c.send_at,
            table.c.creator_type,
            table.c.creator_id,
            table.c.creator_name,
        ],
    )
    created: list[dict[str, Any]] = []
    for scheduled_id, body, _, creator_type, creator_id, creator_name in claimed:
        # Checked before anything is written for it, so a send that cannot go out is
        # marked failed without undoing the others of the batch.
        try:
            request = SendRequest.model_validate_json(body)
            creator = audit.Actor(creator_type, creator_id, creator_name)
            if reason := authority_lost(session, creator, now):
                raise ValueError(reason)  # marked failed below, like an invalid body
            rows = sending.persist(session=session, request=request, actor=creator, note=f" (scheduled {scheduled_id})")
            assert isinstance(rows, list)  # without `background_over` a send is written here
            outcome: dict[str, Any] = {"sent_count": len(rows)}
            created.extend(rows)
        except (ValueError, sending.SendError) as exc:  # pydantic's ValidationError is a ValueError
            outcome = {"status": ScheduledSendStatus.FAILED.value, "error": str(exc)[:500], "sent_count": 0}
        session.execute(
            update(ScheduledSend)
            .where(col(ScheduledSend.id) == scheduled_id)
            .values(**outcome)
            .execution_options(synchronize_session=False)
        )
    return Claimed(len(claimed), partial(sending.publish, created), [row.send_at for row in claimed])


def work(batch_size: int = BATCH) -> DueWork:
    return DueWork("scheduled_sends", _fire_due, batch_size)
