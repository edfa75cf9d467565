"""How a tab applies a lifecycle event (`read`, `seen`, `archived`, `deleted`) to its list.

Pure decisions, kept apart from the Reflex state so they are unit-tested on their own:
rows that left the view the tab shows are dropped by id; rows that came into it (unarchive
in the inbox, archive in the Archived view, any undo) are not in the event, so the tab
re-reads its first page; `"reload": true` (more than 500 rows, or an undo) always re-reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Step = Literal["drop", "mark", "reload", "none"]


@dataclass(frozen=True)
class Plan:
    step: Step
    ids: frozenset[str]
    unread_count: int | None
    unseen_count: int | None


def _count(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def plan(event_type: str, data: dict[str, Any], view_archived: bool) -> Plan:
    """What a tab showing the inbox (or the Archived view) does with this event."""
    raw = data.get("ids")
    ids = frozenset(i for i in raw if isinstance(i, str)) if isinstance(raw, list) else frozenset()
    unread, unseen = _count(data, "unreadCount"), _count(data, "unseenCount")
    if data.get("reload") is True:
        return Plan("reload", ids, unread, unseen)
    if event_type == "archived":
        archived = data.get("archived") is not False
        # Rows came into the view shown: the event has their ids, not their content.
        step: Step = "reload" if archived == view_archived else "drop"
    elif event_type == "deleted":
        step = "drop" if data.get("deleted") is not False else "reload"
    elif event_type == "seen":
        step = "mark" if data.get("seen") is not False else "reload"
    else:
        step = "none"
    return Plan(step, ids, unread, unseen)
