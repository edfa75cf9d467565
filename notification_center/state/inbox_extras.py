"""What the inbox view needs beside the list: the category tabs with their unread counts
and the user's alert preferences. Read through the service functions, in a thread."""

from __future__ import annotations

import dataclasses
from typing import Any

from notification_center.categories import service as categories
from notification_center.db import session_scope
from notification_center.preferences import service as preferences


@dataclasses.dataclass(frozen=True)
class CategoryTab:
    slug: str = ""
    name: str = ""
    unread: int = 0


@dataclasses.dataclass(frozen=True)
class Extras:
    tabs: list[CategoryTab]
    preferences: dict[str, dict[str, bool]]


def tabs_with_counts(tabs: list[CategoryTab], counts: dict[str, int]) -> list[CategoryTab]:
    """The same tabs with new counts; a category that appeared meanwhile gets a tab too."""
    known = {tab.slug for tab in tabs}
    extra = [CategoryTab(slug, slug, 0) for slug in sorted(counts) if slug not in known]
    return [dataclasses.replace(tab, unread=counts.get(tab.slug, 0)) for tab in [*tabs, *extra]]


def read_extras(user_id: str) -> Extras:
    """Tabs, counts and preferences in one unit of work (on page load and reconnect)."""
    with session_scope() as session:
        stored: dict[str, Any] = preferences.read(session=session, user_id=user_id)
        counts = categories.unread_by_category(session=session, user_id=user_id)
    tabs = [CategoryTab(c["slug"], c["name"], 0) for c in stored["categories"]]
    return Extras(tabs_with_counts(tabs, counts), stored["preferences"])


def read_category_counts(user_id: str) -> dict[str, int]:
    with session_scope() as session:
        return categories.unread_by_category(session=session, user_id=user_id)
