"""Writing a send into the history, in the sender's own unit of work."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from notification_center.models import Send
from notification_center.notifications.senders import Sender
from notification_center.notifications.service import Draft


def record_send(*, session: Session, sender: Sender, draft: Draft, recipients: int) -> Draft:
    """Insert the history row of a send and return `draft` pointing at it (`send_id`).

    Called in the same transaction as the notifications' insert, so a send that fails
    (an unknown recipient, a database error) leaves no history row behind, and every
    history row has its notifications. A draft that already names its send is kept."""
    if draft.send_id is not None:
        return draft
    row = Send(
        sender_kind=sender.kind,
        sender_id=sender.id,
        sender_label=sender.label[:64],
        title=draft.title,
        type=draft.type,
        recipients=recipients,
    )
    session.add(row)
    session.flush()
    return dataclasses.replace(draft, send_id=row.id)
