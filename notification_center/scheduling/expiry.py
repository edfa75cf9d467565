"""Expiry: a notification with `expiresAt` disappears from lists, counts and replay at that
time (the visibility rule does that by itself), and every open tab of its user hears of it
once: the scheduler claims the due rows by setting `expired_at` (claim.py) and publishes
one `expired` event per user, `{"ids", "unreadCount", "unseenCount"}`. The event is a user
event without a cursor, so it is never replayed; a tab that was away reloads its list.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import partial

from sqlmodel import Session

from notification_center.models import Notification
from notification_center.notifications import service
from notification_center.realtime import events
from notification_center.realtime.broadcaster import get_notification_broadcaster
from notification_center.scheduling.claim import claim_due
from notification_center.scheduling.runner import Claimed, DueWork

BATCH = 500


def _announce_due(session: Session, now: datetime, limit: int) -> Claimed:
    table = Notification.__table__  # type: ignore[attr-defined]
    claimed = claim_due(
        session,
        table,
        key=table.c.id,
        due=table.c.expires_at,
        now=now,
        limit=limit,
        # The same predicate as the partial index ix_notifications_expiry_due.
        where=[table.c.expired_at.is_(None), table.c.expires_at.is_not(None)],
        values={"expired_at": now},
        returning=[table.c.id, table.c.user_id, table.c.expires_at, table.c.deleted_at],
    )
    ids: defaultdict[str, list[str]] = defaultdict(list)
    for notification_id, user_id, _, deleted_at in claimed:
        if deleted_at is None:  # a deleted row left the tabs already
            ids[user_id].append(notification_id)
    counts = service.counts_many(session=session, user_ids=list(ids))
    published = [
        (user_id, events.EXPIRED, {"ids": gone, "unreadCount": badge.unread, "unseenCount": badge.unseen})
        for user_id, gone in ids.items()
        for badge in [counts[user_id]]
    ]
    return Claimed(
        len(claimed),
        partial(get_notification_broadcaster().publish_user_events, published),
        [expires_at for _, _, expires_at, _ in claimed],
    )


def work(batch_size: int = BATCH) -> DueWork:
    return DueWork("expiries", _announce_due, batch_size)
