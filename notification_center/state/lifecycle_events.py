"""How a tab applies a lifecycle event (`read`, `seen`, `archived`, `deleted`, `updated`) to its lists.

A tab keeps two lists: the inbox (always live: the page's list and the bell show it) and,
while `/` shows the Archived view, the archived rows. Pure decisions, kept apart from the
Reflex state so they are unit-tested on their own: rows that left a list are dropped by
id; rows that came into one (unarchive into the inbox, archive into the Archived view, any
undo) are not in the event, so that list is re-read; `"reload": true` (more than 500
rows, or an undo) re-reads both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Step = Literal["drop", "mark", "reload", "none"]


@dataclass(frozen=True)
class Plan:
    inbox: Step
    archive: Step
    ids: frozenset[str]
    unread_count: int | None
    unseen_count: int | None


def _count(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_STEPS: dict[tuple[str, bool], tuple[Step, Step]] = {
    ("archived", True): ("drop", "reload"),
    ("archived", False): ("reload", "drop"),
    ("deleted", True): ("drop", "drop"),
    ("deleted", False): ("reload", "reload"),
    ("seen", True): ("mark", "none"),
    ("seen", False): ("reload", "none"),
}
_FLAGS = {"archived": "archived", "deleted": "deleted", "seen": "seen"}


def plan(event_type: str, data: dict[str, Any]) -> Plan:
    """What a tab does with this event to its inbox list and its archived list."""
    raw = data.get("ids")
    ids = frozenset(i for i in raw if isinstance(i, str)) if isinstance(raw, list) else frozenset()
    unread, unseen = _count(data, "unreadCount"), _count(data, "unseenCount")
    if data.get("reload") is True:
        return Plan("reload", "reload", ids, unread, unseen)
    flag = _FLAGS.get(event_type)
    inbox, archive = (
        _STEPS.get((event_type, data.get(flag) is not False), ("none", "none")) if flag else ("none", "none")
    )
    return Plan(inbox, archive, ids, unread, unseen)


def belongs_in_inbox(row: dict[str, Any], now_iso: str) -> bool:
    """Whether the row of an `updated` event (a snooze, its return, an action chosen) belongs
    in the inbox list: not snoozed past `now_iso` and not archived. An action chosen in the
    Archived view sends `updated` too; that row must not join the inbox."""
    snoozed = row.get("snoozedUntil")
    return not (isinstance(snoozed, str) and snoozed > now_iso) and not row.get("archivedAt")
