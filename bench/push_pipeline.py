"""`python -m bench.push_pipeline [N]`: what the delivery rows cost a send, and how fast the
drain pushes, in one process on a fresh SQLite database (issue 17).

Seeds 2N users straight into the database (no argon2: they never sign in): N with one push
subscription each (all at the local push service of tests/support/push_service.py, over TLS,
one browser key shared), N without. Then times `channels.pipeline.persist` for a send to
each group (the difference is the push channel's delivery rows), and drains the N delivery
rows with the scheduler's own DueWork (claim, send with pywebpush, settle) against the local
push service, reporting pushes per second. Numbers on these machines are noisy: read the
ratio, not the absolute times.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path


def main(count: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="nc-push-bench-"))
    from tests.support.push_service import BrowserSubscription, PushService

    service = PushService(root / "tls").start()
    os.environ.update(
        {
            "REFLEX_DB_URL": f"sqlite:///{root / 'bench.db'}",
            "NC_SECRETS_FILE": str(root / "secrets.json"),
            "NC_SECRET_KEY": "push-bench-secret-key-of-32-characters",
            "NC_PUSH_CA_BUNDLE": str(service.ca_path),
            "NC_PUSH_OFFLINE_GRACE_SECONDS": "0",
        }
    )
    from sqlalchemy import insert

    from notification_center.channels import pipeline
    from notification_center.db import session_scope
    from notification_center.migrations import upgrade_to_head
    from notification_center.models import Delivery, PushSubscription, User, new_public_id, utcnow
    from notification_center.notifications.service import Draft
    from notification_center.push import sender
    from notification_center.scheduling import deliveries
    from notification_center.scheduling.runner import Scheduler

    upgrade_to_head()
    browser = BrowserSubscription(service.endpoint("shared"))
    keys = browser.to_json()["keys"]
    now = utcnow()
    subscribed = [new_public_id("user") for _ in range(count)]
    plain = [new_public_id("user") for _ in range(count)]
    with session_scope() as session:
        users = [
            {"id": uid, "username": uid, "password_hash": "x", "role": "user", "last_seq": 0, "created_at": now}
            for uid in subscribed + plain
        ]
        for start in range(0, len(users), 1000):
            session.execute(insert(User), users[start : start + 1000])
        subs = [
            {
                "id": new_public_id("push"),
                "user_id": uid,
                "endpoint": service.endpoint(uid),
                "p256dh": keys["p256dh"],
                "auth": keys["auth"],
                "user_agent": "",
                "created_at": now,
                "updated_at": now,
            }
            for uid in subscribed
        ]
        for start in range(0, len(subs), 1000):
            session.execute(insert(PushSubscription), subs[start : start + 1000])

    def persist(user_ids: list[str]) -> float:
        started = time.perf_counter()
        with session_scope() as session:
            pipeline.persist(session=session, draft=Draft(title="bench", content="x"), user_ids=user_ids)
        return time.perf_counter() - started

    without = persist(plain)
    with_rows = persist(subscribed)
    with session_scope() as session:
        from sqlmodel import func, select

        pending = session.exec(select(func.count()).select_from(Delivery)).one()
    print(
        f"persist, {count} recipients: without subscriptions {without:.2f} s, with {with_rows:.2f} s "
        f"({pending} delivery rows; x{with_rows / without:.2f})"
    )

    async def drain() -> float:
        scheduler = Scheduler([deliveries.work()], interval=0.01)
        started = time.perf_counter()
        while len(service.received) < pending and time.perf_counter() - started < 600:
            await scheduler.run_once()
        elapsed = time.perf_counter() - started
        await sender.close()
        return elapsed

    elapsed = asyncio.run(drain())
    print(
        f"drain: {len(service.received)} pushes in {elapsed:.1f} s = {len(service.received) / elapsed:.0f} pushes/s "
        f"(one process, local push service over TLS, {deliveries.CONCURRENCY} in flight)"
    )
    service.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
