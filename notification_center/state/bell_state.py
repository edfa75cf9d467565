"""The bell's own handlers, on top of the notification center's state (same list, same
badges, same stream events): opening marks what it shows seen, and an item's links and
action buttons.

The bell lives in the header of every page, so it cannot rely on a page's `on_load`: it
loads the first page itself when opened before the stream's `on_connected` did.
"""

from __future__ import annotations

from urllib.parse import quote

from reflex.event import EventSpec

from notification_center.components import browser_events
from notification_center.state import access, host_session
from notification_center.state.links import is_external
from notification_center.state.notifications_state import NotificationsState, NotificationView

ACTION_ROUTE = "/api/notifications/{id}/action"

# Runs in the browser: the action callback route records the choice (`actionTaken`) and
# tells every tab. Resolves to "ok" or a message for the user.
_ACTION_JS = """
(async () => {
  try {
    const response = await fetch(__PATH__, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({actionId: __ACTION__}),
    });
    return response.ok ? "ok" : `Could not record your choice (HTTP ${response.status})`;
  } catch (error) {
    return "Could not record your choice: the server is unreachable";
  }
})()
"""


def action_script(notification_id: str, action_id: str) -> str:
    """The fetch above, its values as JavaScript literals (never spliced in as code)."""
    path = ACTION_ROUTE.format(id=quote(notification_id, safe=""))
    return browser_events.fill(_ACTION_JS, path=path, action=action_id)


def _links_of(item: NotificationView) -> set[str]:
    return {href for href in [item.url, *(action.url for action in item.actions)] if href}


class BellState(NotificationsState):
    """Handlers of the bell; its data is NotificationsState's."""

    def _find(self, notification_id: str) -> NotificationView | None:
        return next((item for item in self.items if item.id == notification_id), None)

    async def _arrive(self) -> tuple[bool, EventSpec | None]:
        """A page load's first step: (go on, event) from `host_session.step_before`."""
        user = await self._current_user()
        step = await host_session.step_before(self, user, self.router.url.path.rstrip("/") or "/")
        return step is None and user is not None, step

    @access.user
    async def on_page_load(self):
        """`on_load` for a page of your own that shows the bell: the user arrives (`_arrive`),
        then gets the first page of their inbox."""
        go_on, step = await self._arrive()
        if not go_on:
            return step
        if not self.loaded:
            return NotificationsState.show_newest
        return None

    @access.user
    async def on_inbox_load(self):
        """`on_load` for a page of your own that shows `notification_center_page()`: the
        user arrives, then the inbox loads with its category tabs."""
        go_on, step = await self._arrive()
        return NotificationsState.load if go_on else step

    @access.user
    async def opened(self, is_open: bool):
        """The popover opened (or closed): what it shows is seen now, in every tab."""
        if not is_open:
            return None
        if await self._current_user() is None:  # the page's own on_load sends them to /login
            return None
        if not self.loaded:  # opened before the stream's on_connected loaded the list
            return [NotificationsState.show_newest, NotificationsState.mark_shown_seen]
        return NotificationsState.mark_shown_seen

    @access.user
    def follow_link(self, notification_id: str, href: str):
        """A same-site link of an item: mark it read, then go there in this tab (client-side,
        so the app's socket stays and the mark-read completes). Only links the item
        carries are followed: the browser cannot steer this to another target."""
        item = self._find(notification_id)
        if item is None or href not in _links_of(item) or is_external(href):
            return None
        return [NotificationsState.mark_read(notification_id), browser_events.redirect(href)]

    @access.user
    def take_action(self, notification_id: str, action_id: str):
        """An action button without a link: report the choice to the callback route."""
        item = self._find(notification_id)
        if item is None or not any(action.id == action_id and not action.url for action in item.actions):
            return None
        return [
            NotificationsState.mark_read(notification_id),
            browser_events.script(action_script(notification_id, action_id), callback=BellState.action_done),
        ]

    @access.user
    def action_done(self, outcome: str | None):
        if outcome == "ok":
            return None
        return browser_events.toast("warning", str(outcome or "Could not record your choice"))
