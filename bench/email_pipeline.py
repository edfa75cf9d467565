"""`python -m bench.email_pipeline [N]`: what email costs a send, what N pending "if unread"
rows cost the scheduler, and how fast the drain cancels and mails, in one process on a fresh
SQLite database (issue 21). Results: bench/results/email.md.

Seeds 2N users straight into the database (no argon2: they never sign in): N with a confirmed
address, N without. Times `channels.pipeline.persist` for a send to each group (the difference
is the email channel's N delivery rows, "unread" after the default 15 minutes). Then times the
scheduler's delivery tick (the scheduler's own DueWork: claim, cancel/send, settle) with those
N rows pending but not due, against the same tick with none pending. Finally the rows are made
due: first the half whose notifications were read in the app (the drain cancels them), then the
other half, mailed to a real SMTP server (aiosmtpd's Sink, in its own process, on a local
port; connections are reused). Numbers on these machines are noisy: read the ratios, not the absolute times.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _smtp_sink(port: int) -> subprocess.Popen:
    """aiosmtpd's own command line with its Sink handler (accepts and drops every mail)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("aiosmtpd did not start")


def main(count: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="nc-email-bench-"))
    port = _free_port()
    sink = _smtp_sink(port)
    os.environ.update(
        {
            "REFLEX_DB_URL": f"sqlite:///{root / 'bench.db'}",
            "NC_SECRETS_FILE": str(root / "secrets.json"),
            "NC_SECRET_KEY": "email-bench-secret-key-of-32-characters",
            "NC_SMTP_URL": f"smtp://127.0.0.1:{port}?starttls=never",
            "NC_PUBLIC_URL": "http://localhost:3000",
        }
    )
    from sqlalchemy import func, update
    from sqlalchemy import insert as sa_insert
    from sqlmodel import col, select

    from notification_center.channels import pipeline
    from notification_center.db import session_scope
    from notification_center.mail import sender
    from notification_center.migrations import upgrade_to_head
    from notification_center.models import Delivery, Notification, User, new_public_id, utcnow
    from notification_center.notifications.service import Draft
    from notification_center.scheduling import deliveries
    from notification_center.scheduling.runner import Scheduler

    upgrade_to_head()
    now = utcnow()
    mailed = [new_public_id("user") for _ in range(count)]
    plain = [new_public_id("user") for _ in range(count)]
    with session_scope() as session:
        users = [
            {
                "id": uid,
                "username": uid,
                "password_hash": "x",
                "role": "user",
                "last_seq": 0,
                "created_at": now,
                "email": f"{uid}@example.com" if uid in set(mailed) else None,
                "email_verified_at": now if uid in set(mailed) else None,
            }
            for uid in mailed + plain
        ]
        for start in range(0, len(users), 1000):
            session.execute(sa_insert(User), users[start : start + 1000])

    def persist(user_ids: list[str]) -> float:
        started = time.perf_counter()
        with session_scope() as session:
            pipeline.persist(session=session, draft=Draft(title="bench", content="x"), user_ids=user_ids)
        return time.perf_counter() - started

    scheduler = Scheduler([deliveries.work()], interval=0.01)

    def tick_ms(ticks: int = 30) -> float:
        async def run() -> list[float]:
            times = []
            for _ in range(ticks):
                started = time.perf_counter()
                await scheduler.run_once()
                times.append((time.perf_counter() - started) * 1000)
            return times

        return statistics.median(asyncio.run(run()))

    idle = tick_ms()
    without = persist(plain)
    with_rows = persist(mailed)

    def counts() -> dict[str, int]:
        with session_scope() as session:
            rows = session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
            return dict(rows)

    pending = counts().get("pending", 0)
    loaded = tick_ms()
    lines = [
        f"persist, {count} recipients: without addresses {without:.2f} s, with {with_rows:.2f} s "
        f"({pending} pending 'unread' rows; x{with_rows / without:.2f})",
        f"scheduler delivery tick, median of 30: {idle:.2f} ms with no rows, {loaded:.2f} ms with {pending} "
        f"pending 'unread' rows not yet due (the claim reads the partial index ix_deliveries_due)",
    ]

    with session_scope() as session:
        ids = list(session.exec(select(Delivery.notification_id).order_by(col(Delivery.id))))
    half = set(ids[: len(ids) // 2])

    def make_due(notification_ids: set[str]) -> None:
        with session_scope() as session:
            chunk = sorted(notification_ids)
            for start in range(0, len(chunk), 500):
                part = chunk[start : start + 500]
                session.execute(
                    update(Delivery).where(col(Delivery.notification_id).in_(part)).values(next_attempt_at=utcnow())
                )

    def drain(until: str, target: int) -> float:
        async def run() -> float:
            started = time.perf_counter()
            while counts().get(until, 0) < target and time.perf_counter() - started < 900:
                await scheduler.run_once()
            return time.perf_counter() - started

        return asyncio.run(run())

    with session_scope() as session:  # the first half read in the app
        chunk = sorted(half)
        for start in range(0, len(chunk), 500):
            part = chunk[start : start + 500]
            session.execute(update(Notification).where(col(Notification.id).in_(part)).values(read_at=utcnow()))
    make_due(half)
    cancel_time = drain("cancelled", len(half))
    make_due(set(ids) - half)
    rest = len(ids) - len(half)
    mail_time = drain("sent", rest)
    final = counts()
    lines += [
        f"drain, {len(half)} due rows read in the app: {final.get('cancelled', 0)} cancelled in {cancel_time:.1f} s "
        f"= {final.get('cancelled', 0) / cancel_time:.0f} rows/s",
        f"drain, {rest} due rows unread: {final.get('sent', 0)} mails in {mail_time:.1f} s = "
        f"{final.get('sent', 0) / mail_time:.0f} mails/s (one process, aiosmtpd Sink on 127.0.0.1, "
        f"{deliveries.CONCURRENCY} in flight on up to {sender.POOL_SIZE} reused SMTP connections); "
        f"failed {final.get('failed', 0)}",
    ]
    print("\n".join(lines))
    sink.terminate()
    sink.wait(10)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
