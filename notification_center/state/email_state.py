"""The email part of /preferences: this user's address (set, change, waiting for its
confirmation link) and each category's email choice. Saving goes through the same service
functions as the email and preference routes. Kept apart from preferences_state so the email
column is one self-contained addition to the page."""

from __future__ import annotations

from typing import Any

from notification_center.components import browser_events
from notification_center.mail import addresses
from notification_center.preferences import service as preferences
from notification_center.preferences.rules import EMAIL_MODES
from notification_center.settings import get_settings
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data, login_redirect

ROUTE = "/preferences"


@holds_user_data
class EmailState(AuthState):
    enabled: bool = False  # NC_SMTP_URL is set: otherwise every email option is hidden
    address: str = ""
    verified: bool = False
    pending: str = ""
    modes: dict[str, str] = {}
    saving: bool = False

    def _clear_user_data(self) -> None:
        self.address, self.verified, self.pending, self.modes = "", False, "", {}

    def _show(self, wire: dict[str, Any]) -> None:
        self.address = wire.get("email") or ""
        self.verified = bool(wire.get("emailVerified"))
        self.pending = wire.get("emailPending") or ""

    def _show_modes(self, answer: dict[str, Any]) -> None:
        self.modes = {slug: str(p.get("email", "unread")) for slug, p in answer.get("preferences", {}).items()}

    @access.user
    async def load(self):
        self.enabled = get_settings().email_enabled
        user = await self._current_user()
        if user is None:
            return login_redirect(ROUTE)
        if self.enabled:
            self._show(await addresses.current_async(user_id=user.id))
            self._show_modes(await preferences.load(user_id=user.id))
        return None

    @access.user
    async def save_address(self, form: dict[str, Any]):
        user = await self._current_user()
        if user is None:
            yield login_redirect(ROUTE)
            return
        self.saving = True
        yield
        try:
            address = form.get("email", "") if isinstance(form, dict) else ""
            self._show(await addresses.request_async(user_id=user.id, address=str(address)))
        except addresses.AddressError as exc:
            self.saving = False
            yield browser_events.toast("warning", exc.message.split(": ", 1)[-1])
            return
        self.saving = False
        if self.pending:
            yield browser_events.toast("success", "Check your mailbox", description="Open the link we sent to confirm.")

    @access.user
    async def set_email_mode(self, slug: str, mode: str):
        user = await self._current_user()
        if user is None:
            return login_redirect(ROUTE)
        if mode not in EMAIL_MODES:
            return browser_events.toast("warning", "Not an email choice")
        try:
            answer = await preferences.save(user_id=user.id, changes={str(slug): {"email": mode}})
        except preferences.PreferenceError as exc:
            return browser_events.toast("warning", exc.message.split(": ", 1)[-1])
        self._show_modes(answer)
        return None
