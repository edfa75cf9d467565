"""/operator/keys: list, create and revoke API keys. The new key's secret lives in this
tab's state only until the tab leaves the page (or dismisses it): it is shown once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from notification_center.audit.service import Actor
from notification_center.components import browser_events
from notification_center.db import session_scope
from notification_center.keys import service as keys
from notification_center.models import utcnow
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data
from notification_center.state.operator_access import check_operator

KEYS_ROUTE = "/operator/keys"
# The page's expiry choices: label -> days (0: never).
EXPIRY_CHOICES = {"never": 0, "30": 30, "90": 90, "365": 365}


@dataclasses.dataclass(frozen=True)
class KeyRow:
    id: str = ""
    name: str = ""
    prefix: str = ""
    state: str = ""
    created: str = ""
    expires: str = ""
    last_used: str = ""


def _when(value: str | None, empty: str) -> str:
    """A wire timestamp as "2026-11-27 13:05 UTC" (the page is read by people)."""
    return f"{value[:10]} {value[11:16]} UTC" if value else empty


def _rows() -> list[KeyRow]:
    with session_scope() as session:
        wires = [keys.to_wire(key) for key in keys.list_keys(session=session)]
    return [
        KeyRow(
            w["id"],
            w["name"],
            w["prefix"][:16] + "…",  # enough to recognise a key by; the whole id is in the CLI
            w["state"],
            _when(w["createdAt"], ""),
            _when(w["expiresAt"], "never"),
            _when(w["lastUsedAt"], "never"),
        )
        for w in wires
    ]


def _create(name: str, days: int, actor: Actor, ip: str | None) -> str:
    with session_scope() as session:
        expires_at = utcnow() + timedelta(days=days) if days else None
        return keys.create_key(session=session, name=name, actor=actor, expires_at=expires_at, ip=ip).secret


def _revoke(key_id: str, actor: Actor, ip: str | None) -> bool:
    with session_scope() as session:
        return keys.revoke_key(session=session, key_id=key_id, actor=actor, ip=ip) is not None


@holds_user_data
class KeysState(AuthState):
    checked: bool = False
    allowed: bool = False
    keys: list[KeyRow] = []
    new_secret: str = ""
    new_secret_name: str = ""
    error: str = ""

    def _ip(self) -> str | None:
        """The browser's address as Reflex's socket saw it (REFLEX_TRUSTED_PROXY_HOPS applies)."""
        return self.router.session.client_ip or None

    async def _operator(self):
        user, redirect = await check_operator(self, KEYS_ROUTE)
        self.checked = redirect is None
        self.allowed = user is not None
        if user is None:
            self.keys = []
            self.new_secret = self.new_secret_name = ""
        return user, redirect

    @access.user
    async def load(self):
        """on_load: a secret from an earlier visit is gone for good."""
        self.new_secret = self.new_secret_name = self.error = ""
        user, redirect = await self._operator()
        if redirect is not None:
            return redirect
        if user is not None:
            self.keys = await run_in_threadpool(_rows)
        return None

    @access.operator
    async def create(self, form: dict[str, Any]):
        user, redirect = await self._operator()
        if redirect is not None or user is None:
            return redirect
        name = str(form.get("name", ""))
        days = EXPIRY_CHOICES.get(str(form.get("expires", "never")), 0)
        try:
            secret = await run_in_threadpool(_create, name, days, Actor.user(user.id, user.username), self._ip())
        except keys.KeyInputError as exc:
            self.error = exc.message
            return None
        self.error = ""
        self.new_secret, self.new_secret_name = secret, name.strip()
        self.keys = await run_in_threadpool(_rows)
        return browser_events.set_value("key-name", "")

    @access.operator
    async def revoke(self, key_id: str):
        user, redirect = await self._operator()
        if redirect is not None or user is None:
            return redirect
        if not await run_in_threadpool(_revoke, key_id, Actor.user(user.id, user.username), self._ip()):
            self.error = f"No API key {key_id}."
        self.keys = await run_in_threadpool(_rows)
        return None

    @access.user
    def dismiss_secret(self):
        self.new_secret = self.new_secret_name = ""

    def _clear_user_data(self) -> None:
        self.checked = self.allowed = False
        self.keys = []
        self.new_secret = self.new_secret_name = self.error = ""
