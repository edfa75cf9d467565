"""A bounded window over a newest-first list, for the UI state.

Reflex keeps a tab's list in server-side state and sends the whole list again whenever it
changes, so a busy tab left open for days must not grow without bound. The window holds
at most `cap` rows: new rows push the oldest out at the bottom (they stay reachable
through "load more"); loading older pages pushes the newest out at the top (they come
back with "show newest"). Pure functions, so the rules are testable without Reflex.
"""

from __future__ import annotations

from typing import TypeVar

Row = TypeVar("Row")

CAP = 100  # rows kept in a tab's state; 5 pages of the UI's 20


def keep_newest(rows: list[Row], cap: int = CAP) -> tuple[list[Row], bool]:
    """`rows` (newest first) cut to the newest `cap`; and whether older ones were cut."""
    return rows[:cap], len(rows) > cap


def keep_oldest(rows: list[Row], cap: int = CAP) -> tuple[list[Row], bool]:
    """`rows` (newest first) cut to the oldest `cap`; and whether newer ones were cut."""
    return (rows[-cap:], True) if len(rows) > cap else (rows, False)
