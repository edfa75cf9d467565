"""Sending on behalf of an operator: validate, resolve recipients, deliver in-app.

`POST /api/notifications` and the operator page both call `send()`, so both apply the same
rules and name the offending field with the same messages.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from notification_center.audit import service as audit
from notification_center.channels.in_app import get_in_app_channel_handler
from notification_center.db import session_scope
from notification_center.history.recording import record_send
from notification_center.notifications import service
from notification_center.notifications.schemas import SendRequest, describe_errors
from notification_center.notifications.senders import SYSTEM, Sender


class SendError(ValueError):
    """Invalid input; nothing was sent. `field` names the offending part of the request."""

    def __init__(self, message: str, field: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


def _resolve_and_persist(
    recipients: list[str] | str, draft: service.Draft, actor: audit.Actor | None, ip: str | None
) -> list[dict[str, Any]]:
    """One unit of work, one thread hop: a send is mostly database round trips. The history
    row and the audit row are INSERTs in it, committed (or rolled back) with the
    notifications, so a send that fails leaves neither behind."""
    with session_scope() as session:
        user_ids = service.resolve_recipients(session=session, recipients=recipients)
        draft = record_send(session=session, sender=sender_of(actor), draft=draft, recipients=len(user_ids))
        created = get_in_app_channel_handler().persist(session=session, draft=draft, user_ids=user_ids)
        if actor is not None:
            count = len(created)
            audit.record(
                session=session,
                action=audit.Action.NOTIFICATION_SENT,
                actor=actor,
                target=draft.title,
                detail=f"{count} recipient{'' if count == 1 else 's'}"
                + (" (all users)" if isinstance(recipients, str) else ""),
                ip=ip,
            )
        return created


def sender_of(actor: audit.Actor | None) -> Sender:
    """The sent history's sender for the audit's actor: an operator or a key; the system
    for Python code (no actor) and the command line."""
    if actor is None or actor.type not in ("user", "key"):
        return SYSTEM
    return Sender(actor.type, actor.id, actor.name)  # type: ignore[arg-type]


async def send(body: Any, *, actor: audit.Actor | None = None, ip: str | None = None) -> list[dict[str, Any]]:
    """Send what `body` (the JSON shape of POST /api/notifications) asks for; returns the
    created rows (dicts with `id`, `user_id`, `send_id`, ...). `actor` (the operator or API
    key) is written to the audit log and is the sender in the sent history; without one
    (Python code) the sender is the system."""
    if not isinstance(body, dict):
        raise SendError("body: must be a JSON object", "body")
    try:
        request = SendRequest.model_validate(body)
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise SendError(message, details[0]["field"], details=details) from None
    draft = service.Draft(
        title=request.title, content=request.content, type=request.type.value, priority=request.priority.value
    )
    try:
        created = await run_in_threadpool(_resolve_and_persist, request.recipients, draft, actor, ip)
    except service.UnknownRecipientsError as exc:
        names = ", ".join(exc.usernames)
        raise SendError(f"recipients: unknown user(s): {names}", "recipients", unknown=exc.usernames) from None
    await get_in_app_channel_handler().publish(created)
    return created
