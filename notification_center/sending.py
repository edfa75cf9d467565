"""Sending on behalf of an operator: validate, resolve recipients, run the delivery pipeline.

`POST /api/notifications` and the operator page both go through `validate()` and
`deliver()` (by way of `scheduling.scheduled_sends.send_or_schedule`, which stores a body
with `sendAt` instead), so both apply the same rules and name the offending field with the
same messages; the scheduler fires stored sends through `persist()` and `publish()`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from notification_center.audit import service as audit
from notification_center.categories import service as categories
from notification_center.channels import pipeline
from notification_center.db import session_scope
from notification_center.history.recording import record_send
from notification_center.models import utcnow
from notification_center.notifications import service
from notification_center.notifications.schemas import SendRequest, describe_errors
from notification_center.notifications.senders import SYSTEM, Sender
from notification_center.scheduling import bulk_sends
from notification_center.settings import get_settings


class SendError(ValueError):
    """Invalid input; nothing was sent. `field` names the offending part of the request."""

    def __init__(self, message: str, field: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


def validate(body: Any) -> SendRequest:
    """The request `body` (the JSON shape of POST /api/notifications) asks for, or a
    SendError naming the first bad field."""
    if not isinstance(body, dict):
        raise SendError("body: must be a JSON object", "body")
    try:
        return SendRequest.model_validate(body)
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise SendError(message, details[0]["field"], details=details) from None


def unknown_recipients(exc: service.UnknownRecipientsError) -> SendError:
    names = ", ".join(exc.usernames)
    return SendError(f"recipients: unknown user(s): {names}", "recipients", unknown=exc.usernames)


def check_category(*, session: Session, request: SendRequest) -> None:
    """A send may only name a defined category (422 naming `category` otherwise)."""
    try:
        categories.require_category(session=session, slug=request.category)
    except categories.UnknownCategoryError as exc:
        raise SendError(f"category: no such category {exc.slug!r}", "category") from None


def draft_of(request: SendRequest) -> service.Draft:
    """The request as the service's Draft; `ttlSeconds` counts from now (the moment of
    sending, which for a scheduled send is when it fires)."""
    expires_at = request.expiresAt
    if request.ttlSeconds is not None:
        expires_at = utcnow() + timedelta(seconds=request.ttlSeconds)
    return service.Draft(
        title=request.title,
        content=request.content,
        type=request.type.value,
        priority=request.priority.value,
        expires_at=expires_at,
        category=request.category,
        url=request.url,
        actions=tuple(a.model_dump(exclude_none=True) for a in request.actions) if request.actions else None,
        group_key=request.groupKey,
    )


def persist(
    *,
    session: Session,
    request: SendRequest,
    actor: audit.Actor | None = None,
    ip: str | None = None,
    note: str = "",
    background_over: int | None = None,
) -> list[dict[str, Any]] | bulk_sends.Accepted:
    """Resolve the recipients and write the notifications in the caller's transaction
    (sync, in a worker thread); `publish` the rows once it committed. The audit row (when
    `actor` is given) is one more INSERT in it, committed or rolled back with them. The
    scheduler fires scheduled sends through this, in the transaction that claims them.

    With `background_over`, a send to more recipients than that is only recorded and
    queued here (`bulk_sends.Accepted`); its rows are written in batches afterwards."""
    check_category(session=session, request=request)
    try:
        user_ids = service.resolve_recipients(session=session, recipients=request.recipients)
    except service.UnknownRecipientsError as exc:
        raise unknown_recipients(exc) from None
    # The history row (the sent history), the delivery rows of the outside channels and the
    # audit row are INSERTs in this transaction, committed (or rolled back) with the
    # notifications: a failed send leaves none of them behind.
    draft, sender, reach = draft_of(request), sender_of(actor), len(set(user_ids))
    big = background_over is not None and reach > background_over
    created: list[dict[str, Any]] | bulk_sends.Accepted
    if big:
        draft = record_send(session=session, sender=sender, draft=draft, recipients=reach)
        created = bulk_sends.accept(session=session, draft=draft, user_ids=user_ids)
        count = created.count
    else:
        created = pipeline.persist(session=session, draft=draft, user_ids=user_ids, sender=sender)
        count = len(created)
    if actor is not None:
        audit.record(
            session=session,
            action=audit.Action.NOTIFICATION_SENT,
            actor=actor,
            target=request.title,
            detail=f"{count} recipient{'' if count == 1 else 's'}"
            + (" (all users)" if isinstance(request.recipients, str) else "")
            + (" (written in the background)" if big else "")
            + note,
            ip=ip,
        )
    return created


def sender_of(actor: audit.Actor | None) -> Sender:
    """The sent history's sender for the audit's actor: an operator or a key; the system
    for Python code (no actor) and the command line."""
    if actor is None or actor.type not in ("user", "key"):
        return SYSTEM
    return Sender(actor.type, actor.id, actor.name)  # type: ignore[arg-type]


def _persist_now(
    request: SendRequest, actor: audit.Actor | None, ip: str | None, background_over: int | None
) -> list[dict[str, Any]] | bulk_sends.Accepted:
    """One unit of work, one thread hop: a send is mostly database round trips."""
    with session_scope() as session:
        return persist(session=session, request=request, actor=actor, ip=ip, background_over=background_over)


async def publish(rows: list[dict[str, Any]]) -> None:
    """After the commit: every channel publishes (in-app to the users' streams); never raises."""
    await pipeline.publish(rows)


async def deliver(
    request: SendRequest, *, actor: audit.Actor | None = None, ip: str | None = None
) -> list[dict[str, Any]]:
    """Send a validated request now: persist (and audit), then publish. Returns the created rows."""
    created = await run_in_threadpool(_persist_now, request, actor, ip, None)
    assert isinstance(created, list)
    await publish(created)
    return created


async def deliver_or_accept(
    request: SendRequest, *, actor: audit.Actor | None = None, ip: str | None = None
) -> list[dict[str, Any]] | bulk_sends.Accepted:
    """`deliver`, except that a send to more than `NC_BULK_SEND_THRESHOLD` recipients is
    accepted (recorded, audited, queued) and written in batches in the background: the
    answer does not wait for thousands of rows (POST /api/notifications answers 202)."""
    outcome = await run_in_threadpool(_persist_now, request, actor, ip, get_settings().bulk_send_threshold)
    if isinstance(outcome, bulk_sends.Accepted):
        bulk_sends.drain_soon()
    else:
        await publish(outcome)
    return outcome


async def send(body: Any, *, actor: audit.Actor | None = None, ip: str | None = None) -> list[dict[str, Any]]:
    """Send what `body` asks for, now; returns the created rows (dicts with `id`,
    `user_id`, `send_id`, ...). `actor` (the operator or API key) is written to the audit
    log and is the sender in the sent history; without one (Python code) the sender is the
    system. A body with `sendAt` is for `scheduling.scheduled_sends.send_or_schedule`, which
    stores it instead; here it is refused rather than sent early."""
    request = validate(body)
    if request.sendAt is not None:
        raise SendError("sendAt: this path sends now; scheduled sends go through send_or_schedule", "sendAt")
    return await deliver(request, actor=actor, ip=ip)
