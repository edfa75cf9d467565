"""/operator/categories: list the categories and create or update one.

Saving calls the categories service (`save_category`), the same function behind
`POST /api/categories`, so the page and the API apply the same rules; a broken rule comes
back as a message naming the field, and nothing is written.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.concurrency import run_in_threadpool

from notification_center.audit.service import Actor
from notification_center.categories import service as categories
from notification_center.components import browser_events
from notification_center.db import session_scope
from notification_center.state import access
from notification_center.state.auth_state import AuthState, holds_user_data
from notification_center.state.operator_access import check_operator

CATEGORIES_ROUTE = "/operator/categories"
# The form's "may users mute it?" select (named `critical`, as the flag): its two values.
MUTABLE, CRITICAL = "mutable", "critical"


@dataclasses.dataclass(frozen=True)
class CategoryRow:
    slug: str = ""
    name: str = ""
    description: str = ""
    critical: bool = False


def _rows() -> list[CategoryRow]:
    with session_scope() as session:
        return [
            CategoryRow(c.slug, c.name, c.description, c.critical) for c in categories.list_categories(session=session)
        ]


def _save(
    slug: str, name: str, description: str, critical: bool, actor: Actor, ip: str | None
) -> tuple[CategoryRow, bool]:
    with session_scope() as session:
        info, created = categories.save_category(
            session=session, slug=slug, name=name, description=description, critical=critical, actor=actor, ip=ip
        )
        return CategoryRow(info.slug, info.name, info.description, info.critical), created


def form_fields(form: dict[str, Any]) -> tuple[str, str, str, bool]:
    """The form as the service's arguments. The slug is taken as typed (no lowercasing
    behind the operator's back: the service says what a slug may be)."""
    return (
        str(form.get("slug") or "").strip(),
        str(form.get("name") or ""),
        str(form.get("description") or ""),
        str(form.get("critical") or MUTABLE) == CRITICAL,
    )


@holds_user_data
class CategoriesState(AuthState):
    checked: bool = False
    allowed: bool = False
    categories: list[CategoryRow] = []
    # The last save: its message, whether it worked, and the field a refusal names.
    message: str = ""
    ok: bool = False
    error_field: str = ""

    async def _operator(self):
        user, redirect = await check_operator(self, CATEGORIES_ROUTE)
        self.checked = redirect is None
        self.allowed = user is not None
        if user is None:
            self.categories = []
        return user, redirect

    @access.user
    async def load(self):
        """on_load: signed-out -> /login (with `next`); non-operators see "not allowed"."""
        self.message = self.error_field = ""
        user, redirect = await self._operator()
        if redirect is not None:
            return redirect
        if user is not None:
            self.categories = await run_in_threadpool(_rows)
        return None

    @access.operator
    async def save(self, form: dict[str, Any]):
        """Create the category, or update the one with this slug."""
        user, redirect = await self._operator()
        if redirect is not None or user is None:
            return redirect
        slug, name, description, critical = form_fields(form)
        try:
            actor, ip = Actor.user(user.id, user.username), self.router.session.client_ip or None
            saved, created = await run_in_threadpool(_save, slug, name, description, critical, actor, ip)
        except categories.CategoryRuleError as exc:
            self.ok, self.message, self.error_field = False, exc.message, exc.field
            return None
        self.ok, self.error_field = True, ""
        self.message = f"{'Created' if created else 'Updated'} category {saved.slug}."
        self.categories = await run_in_threadpool(_rows)
        return [browser_events.set_value(f"category-{name}", "") for name in ("slug", "name", "description")] + [
            browser_events.set_value("category-critical", MUTABLE)
        ]

    @access.operator
    def edit(self, slug: str):
        """Fill the form with a listed category, to change it."""
        row = next((c for c in self.categories if c.slug == slug), None)
        if row is None:
            return None
        self.message = self.error_field = ""
        return [
            browser_events.set_value("category-slug", row.slug),
            browser_events.set_value("category-name", row.name),
            browser_events.set_value("category-description", row.description),
            browser_events.set_value("category-critical", CRITICAL if row.critical else MUTABLE),
        ]

    def _clear_user_data(self) -> None:
        self.checked = self.allowed = self.ok = False
        self.categories = []
        self.message = self.error_field = ""
