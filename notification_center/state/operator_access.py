"""The check every operator page's state runs on load and before each action."""

from __future__ import annotations

import reflex as rx

from notification_center.state.auth_state import AuthState, SignedInUser, login_redirect


async def check_operator(state: AuthState, route: str) -> tuple[SignedInUser | None, rx.event.EventSpec | None]:
    """(the operator, or None if not one; the redirect to /login if signed out, else None).

    Resolved from the cookie now, not trusted from page load: a tab left open after a
    logout, an expiry or a demotion stops being able to act at once."""
    user = await state._current_user()
    redirect = login_redirect(route) if user is None else None
    return (user if user and user.is_operator else None), redirect
