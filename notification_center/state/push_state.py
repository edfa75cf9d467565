"""Web Push on the preferences page and the bell: this browser's permission (reported by
components/push_browser.py), "Enable push on this browser", and the user's subscribed
browsers with a remove button. Subscriptions are saved by the browser itself through
POST /api/push/subscriptions (it holds the keys); listing and removing go through
`push.subscriptions`, the same service as the REST routes."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import urlsplit

from notification_center.components import browser_events
from notification_center.push import subscriptions
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data, login_redirect

ROUTE = "/preferences"
PERMISSIONS = ("granted", "denied", "default", "unsupported")
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"), ("Mac OS", "macOS"))
_SYSTEMS += (("CrOS", "ChromeOS"), ("Linux", "Linux"))


def browser_label(user_agent: str) -> str:
    """ "Chrome on Linux" from a User-Agent; "A browser" when it names none we know."""
    name = next((label for marker, label in _BROWSERS if marker in user_agent), "A browser")
    system = next((label for marker, label in _SYSTEMS if marker in user_agent), "")
    return f"{name} on {system}" if system else name


@dataclasses.dataclass(frozen=True)
class PushBrowserRow:
    id: str = ""
    label: str = ""
    service: str = ""  # the push service's host, e.g. fcm.googleapis.com
    since: str = ""  # ISO time it subscribed
    endpoint: str = ""  # the page marks the row whose endpoint is this browser's own


def browser_rows(items: list[dict[str, Any]]) -> list[PushBrowserRow]:
    return [
        PushBrowserRow(
            item["id"],
            browser_label(item.get("userAgent") or ""),
            urlsplit(item["endpoint"]).hostname or "",
            (item.get("createdAt") or "")[:10],
            item["endpoint"],
        )
        for item in items
    ]


_ENDPOINT = re.compile(r"https://[^\s]{1,1024}")


@holds_user_data
class PushState(AuthState):
    # This browser's facts (no user data): what the service worker side reported.
    push_supported: bool = True
    push_permission: str = "default"
    push_endpoint: str = ""
    # The signed-in user's subscribed browsers (preferences page).
    browsers: list[PushBrowserRow] = []
    browsers_loaded: bool = False
    push_answer: str = ""

    def _clear_user_data(self) -> None:
        self.browsers, self.browsers_loaded, self.push_answer = [], False, ""

    @access.anyone
    def browser_status(self, status: dict):
        """From web/push_browser.js: only this browser's own permission and endpoint."""
        if not isinstance(status, dict):
            return
        permission = status.get("permission")
        self.push_permission = permission if permission in PERMISSIONS else "default"
        self.push_supported = status.get("supported") is True
        endpoint = status.get("endpoint")
        self.push_endpoint = endpoint if isinstance(endpoint, str) and _ENDPOINT.fullmatch(endpoint) else ""

    @access.user
    async def load_browsers(self):
        user = await self._current_user()
        if user is None:
            return login_redirect(ROUTE)
        self.browsers = browser_rows(await subscriptions.list_async(user_id=user.id))
        self.browsers_loaded = True
        return None

    @access.user
    async def enabled(self, answer: dict):
        """The browser's answer to the page's "Enable push" click (`enable_push` below)."""
        if not isinstance(answer, dict):
            answer = {}
        if answer.get("ok") is True:
            self.push_answer = "Push is on for this browser."
            await self.load_browsers()
            return browser_events.toast("success", "Push is on for this browser")
        error = answer.get("error")
        self.push_answer = error[:300] if isinstance(error, str) and error else "Push could not be turned on."
        return None

    @access.user
    async def remove(self, subscription_id: str):
        user = await self._current_user()
        if user is None:
            return login_redirect(ROUTE)
        if not isinstance(subscription_id, str) or not subscriptions.is_subscription_id(subscription_id):
            return browser_events.toast("warning", "No such browser")
        mine = next(
            (
                b
                for b in self.browsers
                if b.id == subscription_id and self.push_endpoint and b.endpoint == self.push_endpoint
            ),
            None,
        )
        removed = await subscriptions.remove_async(user_id=user.id, subscription_id=subscription_id)
        await self.load_browsers()
        if not removed:
            return browser_events.toast("warning", "That browser was already removed")
        events = [browser_events.toast("success", "Browser removed: it gets no more pushes")]
        if mine is not None:
            events.append(browser_events.script("window.ncPush.forget(__ENDPOINT__)", ENDPOINT=self.push_endpoint))
        return events


def enable_push() -> Any:
    """The "Enable push on this browser" click, run in the page itself so the browser's
    permission prompt follows the user's gesture; its answer goes to `PushState.enabled`."""
    return browser_events.script("window.ncPush.enable()", callback=PushState.enabled)
