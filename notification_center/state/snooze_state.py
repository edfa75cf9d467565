"""Snoozing from the list: the presets (1 hour, tonight, tomorrow, next week) in the
browser's time zone, through scheduling/snooze.py as the REST route does. Every tab of the
user then drops the row (`updated` event); this one does it at once."""

from __future__ import annotations

from notification_center.components import browser_events
from notification_center.models import utcnow
from notification_center.scheduling import presets, snooze
from notification_center.state import access
from notification_center.state.auth_state import AuthState, login_redirect
from notification_center.state.browser_time import BROWSER_TIME_ZONE_JS, UTC_ZONE, zone
from notification_center.state.notifications_state import HOME, NotificationsState


class SnoozeState(AuthState):
    time_zone: str = ""  # the browser's IANA zone name, asked for when a snooze menu opens

    @access.anyone
    def prepare(self, is_open: bool):
        if is_open and not self.time_zone:
            return browser_events.script(BROWSER_TIME_ZONE_JS, callback=SnoozeState.set_time_zone)
        return None

    @access.anyone
    def set_time_zone(self, name: str):
        self.time_zone = name if zone(name) else ""

    @access.user
    async def snooze(self, notification_id: str, preset: str):
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        where = zone(self.time_zone) or UTC_ZONE
        try:
            until = presets.snooze_until(preset, utcnow(), where)
            result = await snooze.snooze(user_id=user.id, notification_id=notification_id, until=until)
        except ValueError as exc:
            return browser_events.toast("warning", f"Not snoozed: {exc}")
        notifications = await self.get_state(NotificationsState)
        if result.refused is not None:  # notifications/states.py: not in this state
            return browser_events.toast("warning", f"Not snoozed: {result.refused.message}.")
        if result.notification is None:  # gone meanwhile: drop it here too
            notifications.items = [i for i in notifications.items if i.id != notification_id]
            return browser_events.toast("warning", "Not snoozed: it is no longer in your inbox.")
        await notifications._on_updated_event(snooze.updated_event_data(result.notification, result.counts))
        return browser_events.toast("info", f"Snoozed until {until.astimezone(where).strftime('%a %d %b, %H:%M')}.")
