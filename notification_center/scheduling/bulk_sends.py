"""Sends to big audiences: accepted at once, written in batches in the background.

A send now to more than `NC_BULK_SEND_THRESHOLD` recipients (say "all" on a big
deployment) would hold its POST for seconds while thousands of rows are written in one
transaction, and nobody would see it until the last one committed. Instead the send's
transaction records the history row and a `BulkSend` (the notification and the resolved
recipients) and the POST answers 202 `{"sendId", "count"}`.

Each batch is one transaction that claims the `BulkSend` (claim.claim_due: one writer at a
time across workers and nodes), writes the next `NC_BULK_SEND_BATCH_SIZE` recipients' rows
through the delivery pipeline and advances `written`; it is published as soon as it commits. A crash
rolls back only the batch it interrupted, and the next claim (this worker's drain, or any
worker's scheduler tick) carries on from `written`: nobody is skipped, nobody gets two.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from notification_center.channels import pipeline
from notification_center.db import session_scope
from notification_center.models import BulkSend, utcnow
from notification_center.notifications.service import Draft
from notification_center.scheduling.claim import claim_due
from notification_center.scheduling.runner import Claimed, DueWork
from notification_center.settings import get_settings

logger = logging.getLogger(__name__)

# The worker that accepted a send writes it (`drain_soon`); the scheduler takes a send over
# only when no batch of it committed for this long (that worker stopped or crashed), so the
# two do not queue up behind each other on the database's write lock.
RESUME_AFTER = timedelta(seconds=10)
# While a batch's transaction runs, its send is not due for anybody else (on PostgreSQL the
# row lock says so too); the commit sets `next_at` again.
_LEASE = timedelta(minutes=5)
_TABLE: Table = BulkSend.__table__  # type: ignore[attr-defined]
_drains: set[asyncio.Task[None]] = set()


@dataclasses.dataclass(frozen=True)
class Accepted:
    """A big send taken for the background: its history id and how many it will reach."""

    send_id: str
    count: int

    def to_wire(self) -> dict[str, Any]:
        return {"sendId": self.send_id, "count": self.count}


def _draft_to_json(draft: Draft) -> str:
    fields = dataclasses.asdict(draft)
    fields["expires_at"] = draft.expires_at.isoformat() if draft.expires_at else None
    return json.dumps(fields)


def _draft_from_json(text: str) -> Draft:
    fields = json.loads(text)
    if fields.get("expires_at"):
        fields["expires_at"] = datetime.fromisoformat(fields["expires_at"])
    fields["channels"] = tuple(fields["channels"])
    if fields.get("actions") is not None:
        fields["actions"] = tuple(fields["actions"])
    return Draft(**fields)


def accept(*, session: Session, draft: Draft, user_ids: Sequence[str]) -> Accepted:
    """Queue a recorded send (`draft.send_id`) to `user_ids` in the caller's transaction;
    nothing is written for the recipients yet. `drain_soon` once it committed."""
    assert draft.send_id is not None, "record the send first"
    recipients = list(dict.fromkeys(user_ids))
    session.add(
        BulkSend(
            id=draft.send_id,
            draft=_draft_to_json(draft),
            user_ids=json.dumps(recipients),
            total=len(recipients),
            next_at=utcnow() + RESUME_AFTER,
        )
    )
    return Accepted(draft.send_id, len(recipients))


def write_batch(session: Session, now: datetime, limit: int = 1, *, hold: timedelta = timedelta(0)) -> Claimed:
    """Claim one big send due by `now` and write its next batch in this transaction (a
    DueWork's claim; one batch of one send is a transaction's worth, whatever `limit`).
    The send is due again `hold` after this batch: at once when the scheduler took it
    over (it drains it batch after batch), `RESUME_AFTER` for a worker's own drain."""
    claimed = claim_due(
        session,
        _TABLE,
        key=_TABLE.c.id,
        due=_TABLE.c.next_at,
        now=now,
        limit=1,
        returning=(_TABLE.c.id, _TABLE.c.draft, _TABLE.c.user_ids, _TABLE.c.written, _TABLE.c.total),
        where=(_TABLE.c.done.is_(False),),
        values={"next_at": now + _LEASE},
    )
    if not claimed:
        return Claimed()
    send_id, draft_json, user_ids_json, written, total = claimed[0]
    batch = json.loads(user_ids_json)[written : written + get_settings().bulk_send_batch_size]
    rows = pipeline.persist_batch(session=session, draft=_draft_from_json(draft_json), user_ids=batch)
    written += len(batch)
    done = written >= total
    session.execute(
        _TABLE.update()
        .where(_TABLE.c.id == send_id)
        .values(written=written, done=done, next_at=utcnow() + hold, finished_at=utcnow() if done else None)
    )

    async def publish() -> None:
        await pipeline.publish(rows)

    return Claimed(count=1, publish=publish)


def _write_one_batch() -> Claimed:
    with session_scope() as session:
        # Sends being written are due at once for a drain; the scheduler waits RESUME_AFTER.
        return write_batch(session, utcnow() + RESUME_AFTER, hold=RESUME_AFTER)


async def _drain() -> None:
    """Write and publish batches until no big send is due; what is left (this worker
    stopping, the database away) the scheduler's next tick carries on."""
    try:
        while True:
            claimed = await run_in_threadpool(_write_one_batch)
            if not claimed.count:
                return
            await claimed.publish()
    except Exception:
        logger.exception("writing a big send paused; the scheduler resumes it")


def drain_soon() -> None:
    """Start writing accepted sends in this worker now, rather than at the next tick."""
    task = asyncio.get_running_loop().create_task(_drain(), name="nc-bulk-send")
    _drains.add(task)
    task.add_done_callback(_drains.discard)


def work() -> DueWork:
    """The scheduler's share: resume big sends a stopped or crashed worker left unfinished."""
    return DueWork("bulk_sends", write_batch, batch_size=1)
