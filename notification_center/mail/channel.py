"""The email channel: in the send's transaction, one delivery row per notification whose user
has a confirmed address and whose category's `email` preference is not "never", due

- at once ("always"; critical categories always),
- after the delay ("unread": cancelled then if the user read, saw, archived or deleted it),
- at the end of the digest period ("digest": the rows of one user due together become one mail).

Nothing is queued while email is not configured. A grouped row updated in place keeps its one
pending row (one mail for the group, with its newest text when it goes out).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from notification_center.channels.base import Outcome, Target, lazy_channel
from notification_center.mail import addresses, message, sender, tokens
from notification_center.models import Category, Delivery, DeliveryStatus, Preference, utcnow
from notification_center.preferences.rules import email_mode
from notification_center.settings import get_settings

NAME = "email"
DIGEST = "digest"


def digest_due(now: datetime, period_seconds: float) -> datetime:
    """The end of the digest period `now` falls in (periods counted from the epoch, UTC)."""
    stamp = now.timestamp()
    end = (math.floor(stamp / period_seconds) + 1) * period_seconds
    return datetime.fromtimestamp(end, UTC)


def due_at(mode: str, delay_minutes: float, now: datetime, period_seconds: float) -> datetime:
    if mode == "unread":
        return now + timedelta(minutes=delay_minutes)
    if mode == DIGEST:
        return digest_due(now, period_seconds)
    return now


def cancel_reason(notification: dict[str, Any], mode: str) -> str | None:
    """Why an "unread" or digest mail is no longer wanted (pure): the user dealt with the
    notification in the app first. "always" mails go out regardless."""
    if mode not in ("unread", DIGEST):
        return None
    for key, what in (("read_at", "read"), ("seen_at", "seen"), ("archived_at", "archived")):
        if notification.get(key) is not None:
            return f"{what} in the app before the mail was due"
    return None


def _choices(session: Session, user_ids: Sequence[str], category: str) -> dict[str, tuple[str, float]]:
    """Each user's (email mode, delay in minutes) for `category`."""
    row = session.exec(
        select(Category.critical, Category.email_delay_minutes).where(col(Category.slug) == category)
    ).one_or_none()
    critical, default_delay = (bool(row[0]), float(row[1])) if row else (False, 15.0)
    stored: dict[str, tuple[str, float | None]] = {}
    for start in range(0, len(user_ids), 500):
        chunk = list(user_ids[start : start + 500])
        query = select(Preference.user_id, Preference.email, Preference.email_delay_minutes).where(
            col(Preference.category) == category, col(Preference.user_id).in_(chunk)
        )
        stored.update({uid: (mode, delay) for uid, mode, delay in session.exec(query)})
    result = {}
    for uid in user_ids:
        mode, delay = stored.get(uid, (None, None))
        result[uid] = (email_mode(mode, critical), default_delay if delay is None else delay)
    return result


class EmailChannel:
    name = NAME
    no_target_reason = "no confirmed email address"
    combined_modes = (DIGEST,)  # the drain claims a user's due digest rows together

    def retry_policy(self) -> tuple[int, float]:
        settings = get_settings()
        return settings.email_max_attempts, settings.email_retry_base_seconds

    def persist(
        self, *, session: Session, draft: Any, user_ids: Sequence[str], notifications: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        settings = get_settings()
        if not settings.email_enabled or not notifications:
            return []
        confirmed = addresses.confirmed_addresses(session=session, user_ids=[n["user_id"] for n in notifications])
        if not confirmed:
            return []
        choices = _choices(session, sorted(confirmed), draft.category)
        now = utcnow()
        wanted = [n for n in notifications if n["user_id"] in confirmed and choices[n["user_id"]][0] != "never"]
        ids = [n["id"] for n in wanted]
        existing: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            query = select(Delivery.notification_id, Delivery.status).where(
                col(Delivery.channel) == NAME, col(Delivery.notification_id).in_(ids[start : start + 500])
            )
            existing.update(dict(session.exec(query).all()))
        rows, again = [], []
        for n in wanted:
            mode, delay = choices[n["user_id"]]
            due = due_at(mode, delay, now, settings.email_digest_seconds)
            if n["id"] not in existing:
                rows.append(_new_row(n, mode, due, now))
            elif existing[n["id"]] != DeliveryStatus.PENDING.value:  # a group row mailed before: once more
                again.append((n["id"], mode, due))
        for start in range(0, len(rows), 500):
            session.execute(insert(Delivery), rows[start : start + 500])
        for notification_id, mode, due in again:
            session.execute(
                update(Delivery)
                .where(col(Delivery.channel) == NAME, col(Delivery.notification_id) == notification_id)
                .values(
                    status=DeliveryStatus.PENDING.value,
                    mode=mode,
                    attempts=0,
                    next_attempt_at=due,
                    last_error=None,
                    done_targets="",
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        return []

    async def publish(self, notifications: Sequence[dict[str, Any]]) -> None:
        """Nothing after the commit: the scheduler drains the delivery rows."""

    def targets(self, *, session: Session, user_ids: Sequence[str]) -> dict[str, list[Target]]:
        found = addresses.confirmed_addresses(session=session, user_ids=user_ids)
        return {uid: [Target(address.lower(), {"address": address, "user_id": uid})] for uid, address in found.items()}

    def forget(self, *, session: Session, target_ids: Sequence[str]) -> None:
        """A mailbox never answers "gone" here: a 5xx fails the mail, the address stays."""

    def cancel_reason(self, notification: dict[str, Any], mode: str) -> str | None:
        return cancel_reason(notification, mode)

    def combine(self, jobs: list[Any]) -> list[Any]:
        """A user's digest rows claimed together: one job (one mail) carrying them all."""
        out, digests = [], {}
        for job in jobs:
            if job.mode != DIGEST:
                out.append(job)
                continue
            first = digests.get(job.user_id)
            if first is None:
                digests[job.user_id] = job
                job.notification = {"digest": [job.notification], "category": job.notification["category"]}
                out.append(job)
            else:
                first.notification["digest"].append(job.notification)
                first.members.append((job.delivery_id, job.attempts))
        return out

    async def deliver(self, notification: dict[str, Any], target: Target) -> Outcome:
        settings = get_settings()
        items = notification.get("digest")
        categories = sorted({n["category"] for n in items}) if items else [notification["category"]]
        token = tokens.unsubscribe_token(target.info["user_id"], categories)
        unsubscribe = f"{settings.public_url}/api/email/unsubscribe?token={token}"
        common = {
            "to": target.info["address"],
            "mail_from": settings.mail_from,
            "public_url": settings.public_url,
            "unsubscribe_url": unsubscribe,
        }
        try:
            if items:
                mail = message.digest_message(items, **common)
            else:
                mail = message.notification_message(notification, **common)
        except (ValueError, TypeError) as exc:  # an address or text the mail library refuses: not worth retrying
            return Outcome(ok=False, error=f"could not build the mail: {exc}"[:500])
        return await sender.send(mail)


def _new_row(notification: dict[str, Any], mode: str, due: datetime, now: datetime) -> dict[str, Any]:
    return {
        "notification_id": notification["id"],
        "user_id": notification["user_id"],
        "send_id": notification.get("send_id"),
        "channel": NAME,
        "mode": mode,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": due,
        "last_error": None,
        "done_targets": "",
        "created_at": now,
        "updated_at": now,
    }


get_email_channel = lazy_channel(EmailChannel)
