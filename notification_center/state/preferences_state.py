"""The /preferences page: how each category alerts this user. Saving goes through
`preferences.service.save` (as PUT /api/preferences does), which tells every open tab."""

from __future__ import annotations

import dataclasses
from typing import Any

from notification_center.components import browser_events
from notification_center.preferences import service as preferences
from notification_center.preferences.rules import DEFAULT_PUSH, KINDS, PUSH_MODES
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data, login_redirect

ROUTE = "/preferences"


@dataclasses.dataclass(frozen=True)
class PreferenceRow:
    slug: str = ""
    name: str = ""
    description: str = ""
    critical: bool = False
    toast: bool = True
    sound: bool = True
    desktop: bool = True
    push: str = DEFAULT_PUSH


def rows_from(answer: dict[str, Any]) -> list[PreferenceRow]:
    """The page's rows from the service's answer (categories + preferences)."""
    prefs = answer.get("preferences", {})
    return [
        PreferenceRow(
            c["slug"],
            c["name"],
            c["description"],
            c["critical"],
            **{k: prefs.get(c["slug"], {}).get(k, True) for k in KINDS},
            push=prefs.get(c["slug"], {}).get("push", DEFAULT_PUSH),
        )
        for c in answer.get("categories", [])
    ]


@holds_user_data
class PreferencesState(AuthState):
    rows: list[PreferenceRow] = []
    loaded: bool = False

    def _clear_user_data(self) -> None:
        self.rows, self.loaded = [], False

    @access.user
    async def load(self):
        user = await self._current_user()
        if user is None:
            return login_redirect(ROUTE)
        self.rows = rows_from(await preferences.load(user_id=user.id))
        self.loaded = True
        return None

    @access.user
    def apply_preferences(self, preferences_map: dict):
        """A `preferences` event (a change made in another tab): show it, if this tab shows
        the page at all. No database read: the event carries the whole map."""
        if self.loaded and isinstance(preferences_map, dict):
            rows = [dataclasses.asdict(row) for row in self.rows]
            for row in rows:
                change = preferences_map.get(row["slug"])
                if isinstance(change, dict):
                    row.update({k: v for k, v in change.items() if k in KINDS and isinstance(v, bool)})
                    if change.get("push") in PUSH_MODES:
                        row["push"] = change["push"]
            self.rows = [PreferenceRow(**row) for row in rows]

    @access.user
    async def set_preference(self, slug: str, kind: str, enabled: bool):
        if kind not in KINDS:
            return browser_events.toast("warning", "No such alert kind")
        return await self._save(slug, {kind: bool(enabled)})

    @access.user
    async def set_push(self, slug: str, mode: str):
        """The push column's choice; the service refuses anything but always/offline/never."""
        return await self._save(slug, {"push": mode})

    async def _save(self, slug: str, change: dict):
        user = await self._current_user()
        if user is None:
            return login_redirect(ROUTE)
        try:
            answer = await preferences.save(user_id=user.id, changes={slug: change})
        except preferences.PreferenceError as exc:
            return browser_events.toast("warning", exc.message.split(": ", 1)[-1])
        self.rows = rows_from(answer)
        return None
