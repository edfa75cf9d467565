"""The push channel: in the send's transaction, one delivery row per notification whose
user has a browser subscribed and whose category's `push` preference is not "never";
the scheduler's drain (scheduling/deliveries.py) sends them through `deliver`.

An "offline" row is due `NC_PUSH_OFFLINE_GRACE_SECONDS` after the send: if the user saw or
read it in the app meanwhile it is cancelled (`cancel_reason`), and if they have a stream
open anywhere when it is drained it is skipped; otherwise it is pushed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from notification_center.channels.base import Outcome, Target, lazy_channel
from notification_center.models import Category, Delivery, DeliveryStatus, Preference, utcnow
from notification_center.preferences.rules import push_mode
from notification_center.push import sender, subscriptions
from notification_center.settings import get_settings

NAME = "push"


def _modes(session: Session, user_ids: Sequence[str], category: str) -> dict[str, str]:
    """Each user's push mode for `category` (the default for users without a row)."""
    critical = bool(session.exec(select(Category.critical).where(col(Category.slug) == category)).one_or_none())
    stored: dict[str, str] = {}
    for start in range(0, len(user_ids), 500):
        chunk = list(user_ids[start : start + 500])
        query = select(Preference.user_id, Preference.push).where(
            col(Preference.category) == category, col(Preference.user_id).in_(chunk)
        )
        stored.update(dict(session.exec(query).all()))
    return {uid: push_mode(stored.get(uid), critical) for uid in user_ids}


def offline_cancel_reason(notification: dict[str, Any], mode: str) -> str | None:
    """Why an "offline" push is not sent (pure): seen or read in the app before it was due."""
    if mode != "offline":
        return None
    if notification.get("read_at") is not None or notification.get("seen_at") is not None:
        return "seen in the app within the grace period"
    return None


class PushChannel:
    name = NAME

    def persist(
        self, *, session: Session, draft: Any, user_ids: Sequence[str], notifications: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Delivery rows (pending, due now) for the notifications whose users may get a push.
        A grouped row updated in place gets its delivery row back to pending: the group's
        newest content goes out (tag = groupKey, so it replaces the last one)."""
        subscribed = subscriptions.users_with_subscriptions(
            session=session, user_ids=[n["user_id"] for n in notifications]
        )
        if not subscribed:
            return []
        modes = _modes(session, sorted(subscribed), draft.category)
        now = utcnow()
        grace = timedelta(seconds=get_settings().push_offline_grace_seconds)

        def due(user_id: str) -> datetime:
            return now + grace if modes[user_id] == "offline" else now

        wanted = [n for n in notifications if n["user_id"] in subscribed and modes[n["user_id"]] != "never"]
        ids = [n["id"] for n in wanted]
        existing: set[str] = set()
        for start in range(0, len(ids), 500):
            query = select(Delivery.notification_id).where(
                col(Delivery.channel) == NAME, col(Delivery.notification_id).in_(ids[start : start + 500])
            )
            existing.update(session.exec(query))
        rows = [
            {
                "notification_id": n["id"],
                "user_id": n["user_id"],
                "send_id": n.get("send_id"),
                "channel": NAME,
                "mode": modes[n["user_id"]],
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": due(n["user_id"]),
                "last_error": None,
                "done_targets": "",
                "created_at": now,
                "updated_at": now,
            }
            for n in wanted
            if n["id"] not in existing
        ]
        for start in range(0, len(rows), 500):
            session.execute(insert(Delivery), rows[start : start + 500])
        by_due: dict[datetime, list[str]] = {}
        for n in wanted:
            if n["id"] in existing:
                by_due.setdefault(due(n["user_id"]), []).append(n["id"])
        for when, ids_due in by_due.items():
            session.execute(
                update(Delivery)
                .where(col(Delivery.channel) == NAME, col(Delivery.notification_id).in_(sorted(ids_due)))
                .values(
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=when,
                    last_error=None,
                    done_targets="",
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        return []

    def cancel_reason(self, notification: dict[str, Any], mode: str) -> str | None:
        """An "offline" push the user no longer needs: they saw it in the app within the grace."""
        return offline_cancel_reason(notification, mode)

    async def publish(self, notifications: Sequence[dict[str, Any]]) -> None:
        """Nothing after the commit: the scheduler drains the delivery rows."""

    def targets(self, *, session: Session, user_ids: Sequence[str]) -> dict[str, list[Target]]:
        found = subscriptions.for_users(session=session, user_ids=user_ids)
        return {
            uid: [Target(r.id, {"endpoint": r.endpoint, "keys": {"p256dh": r.p256dh, "auth": r.auth}}) for r in rows]
            for uid, rows in found.items()
        }

    def forget(self, *, session: Session, target_ids: Sequence[str]) -> None:
        subscriptions.forget(session=session, ids=target_ids)

    async def deliver(self, notification: dict[str, Any], target: Target) -> Outcome:
        return await sender.send(notification, target.info)


get_push_channel = lazy_channel(PushChannel)
