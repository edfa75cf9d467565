"""The UI list's bounded window: the pure rules, then the state handlers that use them."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notification_center.state import notifications_state
from notification_center.state.auth_state import SignedInUser
from notification_center.state.list_window import CAP, keep_newest, keep_oldest
from notification_center.state.notifications_state import NotificationsState, PageData
from tests.unit.test_ui_logic import _signed_in_as, _substate, view, wire


@given(st.lists(st.integers(), max_size=300), st.integers(min_value=1, max_value=150))
def test_windows_never_exceed_the_cap_and_keep_the_right_end(rows: list[int], cap: int) -> None:
    newest, cut_older = keep_newest(rows, cap)
    oldest, cut_newer = keep_oldest(rows, cap)
    assert len(newest) == len(oldest) == min(len(rows), cap)
    assert newest == rows[: len(newest)] and oldest == rows[len(rows) - len(oldest) :]
    assert cut_older == cut_newer == (len(rows) > cap)


def stamp(n: int) -> str:
    return f"2024-01-01T00:{n // 60:02d}:{n % 60:02d}.000Z"


def test_live_notifications_beyond_the_cap_push_the_oldest_out() -> None:
    state = _substate(NotificationsState)
    state._user_id, state.loaded = "u1", True
    for n in range(CAP + 5):
        state.on_notification(wire(f"n{n}", stamp(n)))
    assert len(state.items) == CAP
    assert state.items[0].id == f"n{CAP + 4}" and state.items[-1].id == "n5"
    assert state.has_more  # the five pushed out are one "load more" away
    assert state.unread_count == CAP + 5


def test_load_more_past_the_cap_moves_the_window_down(monkeypatch: pytest.MonkeyPatch) -> None:
    _signed_in_as(monkeypatch, SignedInUser("u1", "alice", "user"))
    asked: list[tuple] = []

    def read_page(
        user_id: str,
        before: str | None = None,
        below_id: str | None = None,
        archived: bool = False,
        category: str | None = None,
    ) -> PageData:
        asked.append((before, below_id))
        return PageData([view(f"old{n}", stamp(n)) for n in range(19, -1, -1)], 130, 130, "1")

    monkeypatch.setattr(notifications_state, "_read_page", read_page)
    state = _substate(NotificationsState)
    state._user_id, state.loaded, state.has_more = "u1", True, True
    state.items = [view(f"n{n}", stamp(1000 + n)) for n in range(CAP - 1, -1, -1)]

    for _ in _gen(state, "load_more"):
        pass

    assert asked == [("", "n0")]  # the page below the window's oldest row
    assert len(state.items) == CAP
    assert state.items[-1].id == "old0" and state.items[0].id == "n79"  # the 20 newest made room
    assert state.newer_hidden and state.has_more
    state.on_notification(wire("live", stamp(3000)))  # above the window: counted, not shown
    assert "live" not in {item.id for item in state.items}
    assert state.unread_count == 131


def _gen(state, handler: str):
    """Drive an async-generator handler to its end."""

    async def drain() -> list:
        return [x async for x in type(state).event_handlers[handler].fn(state)]

    return asyncio.run(drain())
