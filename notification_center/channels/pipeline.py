"""The one delivery pipeline every send goes through: record the send once, let every
active channel persist in the send's transaction (in-app first: its rows are the answer),
then, after the commit, let every channel publish.

`sending.persist` (operators, API keys, scheduled sends) and the in-app handler's
`deliver_many` (Python code) both call `persist` here, so the sent history gets exactly one
row per send whichever door it came in by.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from notification_center.channels.base import Channel
from notification_center.channels.in_app import get_in_app_channel_handler
from notification_center.history.recording import record_send
from notification_center.mail.channel import get_email_channel
from notification_center.notifications.senders import SYSTEM, Sender
from notification_center.notifications.service import Draft
from notification_center.push.channel import get_push_channel


def active_channels() -> list[Channel]:
    """In-app first (its rows are the answer), then the outside channels."""
    return [get_in_app_channel_handler(), get_push_channel(), get_email_channel()]


def persist(
    *, session: Session, draft: Draft, user_ids: Sequence[str], sender: Sender = SYSTEM
) -> list[dict[str, Any]]:
    """Record the send (sent history) and write every channel's rows in the caller's
    transaction; returns the in-app rows. Call `publish` with them once it committed."""
    draft = record_send(session=session, sender=sender, draft=draft, recipients=len(set(user_ids)))
    return persist_batch(session=session, draft=draft, user_ids=user_ids)


def persist_batch(*, session: Session, draft: Draft, user_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every channel's rows for `user_ids` of a send already recorded (`draft.send_id`), in
    the caller's transaction; returns the in-app rows. A big send is written this way a
    batch at a time (scheduling/bulk_sends.py)."""
    first, *others = active_channels()
    notifications = first.persist(session=session, draft=draft, user_ids=user_ids, notifications=())
    for channel in others:
        channel.persist(session=session, draft=draft, user_ids=user_ids, notifications=notifications)
    return notifications


async def publish(notifications: Sequence[dict[str, Any]]) -> None:
    """After the commit: every channel's publish (in-app broadcasts; push and email have nothing
    to do here, the scheduler drains their delivery rows). Never raises."""
    for channel in active_channels():
        await channel.publish(notifications)
