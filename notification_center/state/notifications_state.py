"""The notification center's state: the list, the unread badge, read state, alert settings.

Data comes from the service functions (notifications/service.py), run in a thread so the
event loop never waits on the database. Live changes come from the stream component's
callbacks: `on_notification` (a new one), `on_read` (another tab or the API marked some
read) and `on_connected` (the stream (re)connected: catch up with the database, which
also closes the window between the first page load and the stream opening).

Read state crosses tabs through the broadcaster: marking read here goes through
notifications/read_state.py (as the REST routes do), which persists the change and
publishes a `read` event to every stream of the user, whose tabs then run `on_read`.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx
from starlette.concurrency import run_in_threadpool

from notification_center.auth.rate_limit import RateLimited, get_bulk_rate_limiter
from notification_center.components import alerts, browser_events
from notification_center.db import session_scope
from notification_center.notifications import actions, bulk, lifecycle, read_state, service
from notification_center.notifications.serialize import to_wire
from notification_center.preferences.rules import alerts_for
from notification_center.settings import get_settings
from notification_center.state import access, host_session, lifecycle_events
from notification_center.state.auth_state import AuthState, holds_user_data, login_redirect
from notification_center.state.inbox_extras import (
    CategoryTab,
    read_category_counts,
    read_extras,
    tabs_with_counts,
)
from notification_center.state.links import ActionView, actions_from_wire, is_external, safe_href
from notification_center.state.list_window import CAP, keep_newest, keep_oldest
from notification_center.state.preferences_state import PreferencesState
from notification_center.timefmt import iso_ms

PAGE_SIZE = 20
# The Archived view shows the newest this many archived rows (no paging: it is a look back).
ARCHIVE_PAGE = 100
HOME = "/"
# Lifecycle events after which the per-category unread counts cannot have changed.
_EVENTS_KEEPING_UNREAD = frozenset({"seen", "preferences"})
# A live event for a row a list reload already showed still alerts if the row is this new;
# older ones are replays after a long absence, which would toast in a storm.
FRESH_SECONDS = 60
_ALERTED_KEPT = 200


async def _over_bulk_limit(user_id: str) -> Any:
    """The page's bulk actions count toward the same per-user limit as the API's: a toast
    saying when to try again if over it, else None."""
    try:
        await get_bulk_rate_limiter().hit(user_id)
    except RateLimited as limited:
        return browser_events.toast("warning", f"Too many changes at once; try again in {limited.retry_after} s.")
    return None


def _alert_key(item: NotificationView) -> str:
    return f"{item.id}:{item.group_count}"


def _is_fresh(created_at: str) -> bool:
    try:
        created = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if created.tzinfo is None:
        return False
    return datetime.now(UTC) - created < timedelta(seconds=FRESH_SECONDS)


@dataclasses.dataclass(frozen=True)
class NotificationView:
    """One row of the list: the wire fields the UI shows, plus whether it is read."""

    id: str = ""
    type: str = "info"
    priority: str = "normal"
    title: str = ""
    content: str = ""
    created_at: str = ""
    read: bool = False
    seen: bool = False
    category: str = "general"
    url: str = ""  # only ever a safe link (state/links.py), else ""
    url_external: bool = False
    actions: list[ActionView] = dataclasses.field(default_factory=list)
    action_taken: str = ""
    group_count: int = 1

    @classmethod
    def from_wire(cls, data: Any) -> NotificationView | None:
        """From the wire dict (CONTRACT section 5); None if it is not a notification."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            return None

        def text(key: str, default: str = "") -> str:
            value = data.get(key)
            return value if isinstance(value, str) else default

        return cls(
            id=data["id"],
            type=text("type", "info"),
            priority=text("priority", "normal"),
            title=text("title"),
            content=text("content"),
            created_at=text("createdAt"),
            read=bool(data.get("readAt")) or data.get("status") == "read",
            seen=bool(data.get("seenAt")) or bool(data.get("readAt")),
            category=text("category", "general") or "general",
            url=(url := safe_href(data.get("url"))),
            url_external=is_external(url),
            actions=actions_from_wire(data.get("actions")),
            action_taken=text("actionTaken"),
            group_count=count if isinstance(count := data.get("groupCount"), int) and count > 0 else 1,
        )


@dataclasses.dataclass(frozen=True)
class PageData:
    items: list[NotificationView]
    unread_count: int
    unseen_count: int
    next_cursor: str | None


# -- database work (runs in a thread) ---------------------------------------------------
def _read_page(
    user_id: str,
    before: str | None = None,
    below_id: str | None = None,
    archived: bool = False,
    category: str | None = None,
) -> PageData:
    """A page of the inbox (or of the Archived view), of one category or all: the newest,
    or the one after cursor `before`, or the one below the notification `below_id` (the
    window's oldest row, whose cursor the UI lacks)."""
    with session_scope() as session:
        cursor = service.parse_cursor(before)
        if below_id and (row := service.get_for_user(session=session, user_id=user_id, notification_id=below_id)):
            cursor = row.seq
        limit = ARCHIVE_PAGE if archived else PAGE_SIZE
        page = service.list_page(
            session=session, user_id=user_id, limit=limit, before=cursor, archived=archived, category=category
        )
        items = [NotificationView.from_wire(to_wire(n)) for n in page.items]
        return PageData([i for i in items if i], page.counts.unread, page.counts.unseen, page.next_cursor)


def _order_key(item: NotificationView) -> tuple[str, str]:
    # createdAt is ISO 8601 UTC with milliseconds, so it sorts as text.
    return item.created_at, item.id


def merge_newest_first(current: list[NotificationView], incoming: list[NotificationView]) -> list[NotificationView]:
    """`current` updated with `incoming` (newer data wins), newest first, no duplicates."""
    by_id = {item.id: item for item in current}
    by_id.update({item.id: item for item in incoming})
    return sorted(by_id.values(), key=_order_key, reverse=True)


@holds_user_data
class NotificationsState(AuthState):
    items: list[NotificationView] = []
    unread_count: int = 0
    unseen_count: int = 0
    has_more: bool = False
    # The window (at most list_window.CAP rows) has moved down past the newest rows.
    newer_hidden: bool = False
    loaded: bool = False
    loading_more: bool = False
    # Which view `/` shows: the inbox (`items`, always kept live: the bell shows it too), or
    # the Archived view (`archived_items`, read when shown).
    view_archived: bool = False
    archived_items: list[NotificationView] = []
    archived_more: bool = False
    # This tab's page is visible (document.visibilityState): what the list shows counts as seen.
    page_visible: bool = False
    # The last bulk action's undo token, shown in the undo toast (components/undo_toast.py).
    undo_token: str = ""
    undo_message: str = ""
    undo_ms: int = 10_000
    # The bell's aria-live region: what a screen reader announces for a new notification.
    announcement: str = ""

    # Per browser (shared by its tabs): "1" or "0".
    sound_on: str = rx.LocalStorage("0", name="nc_sound", sync=True)
    desktop_on: str = rx.LocalStorage("0", name="nc_desktop", sync=True)

    # Category tabs ("" = all) with unread counts; the user's alert preferences per category
    # (backend only: they decide what on_notification returns, and reach every tab live).
    category: str = ""
    category_tabs: list[CategoryTab] = []
    _preferences: dict[str, dict[str, bool]] = {}

    _next_cursor: str = ""
    # Which rows (id and group count) this tab has alerted, newest last.
    _alerted: list[str] = []

    def _clear_user_data(self) -> None:
        # The alert settings are the browser's, not the user's: they stay.
        self.category, self.category_tabs, self._preferences = "", [], {}
        self.items, self.unread_count, self.unseen_count, self.has_more = [], 0, 0, False
        self.newer_hidden = False
        self.loaded, self.loading_more, self._next_cursor = False, False, ""
        self._alerted = []
        self.view_archived, self.archived_items, self.archived_more = False, [], False
        self.undo_token, self.undo_message = "", ""
        self.announcement = ""

    def _apply_first_page(self, page: PageData) -> None:
        self.items = page.items
        self._set_counts(page)
        self._next_cursor = page.next_cursor or ""
        self.has_more = page.next_cursor is not None
        self.newer_hidden = False
        self.loaded = True

    def _merge_newer(self, incoming: list[NotificationView]) -> None:
        """New rows join at the top; beyond the cap the oldest leave ("load more" has them)."""
        self.items, cut = keep_newest(merge_newest_first(self.items, incoming), CAP)
        if cut:
            self.has_more = True

    def _set_counts(self, page: PageData) -> None:
        self.unread_count, self.unseen_count = page.unread_count, page.unseen_count

    def _update_rows(self, ids: list[str] | set[str] | frozenset[str], **changes: bool) -> None:
        """Set fields of these rows in both lists (only assigning a list that changes)."""
        wanted = set(ids)

        def updated(rows: list[NotificationView]) -> list[NotificationView] | None:
            if not any(i.id in wanted and any(getattr(i, k) != v for k, v in changes.items()) for i in rows):
                return None
            return [dataclasses.replace(i, **changes) if i.id in wanted else i for i in rows]

        if (rows := updated(self.items)) is not None:
            self.items = rows
        if (rows := updated(self.archived_items)) is not None:
            self.archived_items = rows

    def _drop_rows(self, ids: list[str] | set[str] | frozenset[str], *, inbox: bool, archive: bool) -> None:
        wanted = set(ids)
        if inbox and any(i.id in wanted for i in self.items):
            self.items = [i for i in self.items if i.id not in wanted]
        if archive and any(i.id in wanted for i in self.archived_items):
            self.archived_items = [i for i in self.archived_items if i.id not in wanted]

    def _set_read(self, ids: list[str], unread_count: int, unseen_count: int | None = None) -> None:
        self._update_rows(ids, read=True, seen=True)
        self.unread_count = max(0, unread_count)
        if unseen_count is not None:
            self.unseen_count = max(0, unseen_count)

    def _set_unread(self, ids: list[str], unread_count: int, unseen_count: int | None = None) -> None:
        self._update_rows(ids, read=False)
        self.unread_count = max(0, unread_count)
        if unseen_count is not None:
            self.unseen_count = max(0, unseen_count)

    def _set_seen(self, ids: list[str], unseen_count: int) -> None:
        self._update_rows(ids, seen=True)
        self.unseen_count = max(0, unseen_count)

    # -- loading --------------------------------------------------------------------
    @access.user
    async def load(self):
        """on_load of `/`: signed-out visitors go to /login; others get the first page."""
        user = await self._current_user()
        if user is None:  # _current_user has cleared the list
            return login_redirect(HOME)
        await self._load_extras(user.id)
        self._apply_first_page(await run_in_threadpool(_read_page, user.id, category=self._category_filter()))
        return None

    @access.user
    async def load_more(self):
        user = await self._current_user()
        if user is None:
            yield login_redirect(HOME)
            return
        below = self.items[-1].id if self.items else None
        if not self._next_cursor and below is None:
            self.has_more = False
            return
        self.loading_more = True
        yield
        page = await run_in_threadpool(_read_page, user.id, self._next_cursor, below, category=self._category_filter())
        known = {item.id for item in self.items}
        # Older rows join at the bottom; beyond the cap the newest leave ("show newest").
        self.items, cut = keep_oldest(self.items + [item for item in page.items if item.id not in known], CAP)
        self.newer_hidden = self.newer_hidden or cut
        self._set_counts(page)
        self._next_cursor = page.next_cursor or ""
        self.has_more = page.next_cursor is not None
        self.loading_more = False

    @access.user
    async def show_newest(self):
        """Back to the top of the list after "load more" moved the window down."""
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        self._apply_first_page(await run_in_threadpool(_read_page, user.id, category=self._category_filter()))
        return None

    @access.user
    async def resync(self):
        """The stream (re)connected: take in whatever the database has that we missed."""
        user = await self._current_user()
        if user is None:
            return
        await self._load_extras(user.id)  # preferences may have changed while disconnected
        if self.view_archived:  # changes made while disconnected: the archived list too
            await self._reload_archive()
        page = await run_in_threadpool(_read_page, user.id, category=self._category_filter())
        if self.loaded and self.newer_hidden:  # the top is not shown: only the badges move
            self._set_counts(page)
            return None
        newest_known = max((_order_key(i) for i in self.items), default=None)
        # The fresh page joins the list without a hole if it reaches back to what we know.
        joins = newest_known is not None and any(_order_key(i) <= newest_known for i in page.items)
        if self.loaded and (joins or not page.next_cursor):
            self._merge_newer(page.items)
            self._set_counts(page)
        else:  # first load, or more than a page arrived meanwhile: start from the newest
            self._apply_first_page(page)
        return None

    # -- live events from the stream component -----------------------------------------
    @access.user
    def on_notification(self, data: dict):
        item = NotificationView.from_wire(data)
        if item is None or not self._user_id or data.get("userId") not in (None, self._user_id):
            return None
        existing = next((i for i in self.items if i.id == item.id), None)
        if existing is not None and item.group_count <= existing.group_count:
            if existing.read or _alert_key(item) in self._alerted or not _is_fresh(item.created_at):
                return None  # a duplicate (replay, leader hand-over)
            # A list reload (hydrate after a reconnect, resync) overtook this live event:
            # the row is shown already, but the user has not been told yet.
            return self._alerts(item)
        oldest = min((_order_key(i) for i in self.items if i.id != item.id), default=None)
        if self.has_more and oldest is not None and _order_key(item) < oldest:
            return None  # older than the loaded window: "load more" will bring it
        follow_up = []
        if existing is not None:  # a grouped send: the row moves to the top with its new text
            self.items = [i for i in self.items if i.id != item.id]
            self._count_replaced(existing, item)
        elif item.group_count > 1:  # a grouped row this tab does not hold: was it unread?
            follow_up.append(NotificationsState.refresh_counts)
        else:
            self._count_new(item)
        if not self.newer_hidden and self.category in ("", item.category):  # else "show newest" / its tab
            self._merge_newer([item])
        events = [*self._alerts(item), *follow_up]
        if seen := self._seen_next():  # arrived while the list is on screen: seen
            events.append(seen)
        return events

    def _count_new(self, item: NotificationView) -> None:
        if not item.read:
            self.unread_count += 1
            self._bump_category(item.category, 1)
        if not item.seen:
            self.unseen_count += 1

    def _count_replaced(self, old: NotificationView, new: NotificationView) -> None:
        """Badges count rows: a row that is unread again counts once, however many sends."""
        self.unread_count += int(not new.read) - int(not old.read)
        self.unseen_count += int(not new.seen) - int(not old.seen)
        self._bump_category(old.category, -int(not old.read))
        self._bump_category(new.category, int(not new.read))

    def _bump_category(self, slug: str, delta: int) -> None:
        if delta:
            counts = {tab.slug: tab.unread for tab in self.category_tabs}
            counts[slug] = max(0, counts.get(slug, 0) + delta)
            self.category_tabs = tabs_with_counts(self.category_tabs, counts)

    def _alerts(self, item: NotificationView) -> list:
        """Toast, sound, desktop: as the user's preferences for its category say (critical
        categories always alert), and sound/desktop only where this browser switched them on."""
        wanted = alerts_for(self._preferences, item.category)
        self._alerted = [*self._alerted[-(_ALERTED_KEPT - 1) :], _alert_key(item)]
        events = []
        if wanted.toast:  # the screen-reader announcement is the toast's twin: muted, neither
            self.announcement = f"New notification: {item.title}"
            events.append(alerts.toast(item))
        if self.sound_on == "1" and wanted.sound:
            events.append(alerts.sound(item.priority))
        if self.desktop_on == "1" and wanted.desktop:
            events.append(alerts.desktop(item))
        if seen := self._seen_next():  # arrived while the list is on screen: seen
            events.append(seen)
        return events

    async def _load_extras(self, user_id: str) -> None:
        extras = await run_in_threadpool(read_extras, user_id)
        self.category_tabs, self._preferences = extras.tabs, extras.preferences
        if self.category and self.category not in {tab.slug for tab in extras.tabs}:
            self.category = ""

    @access.user
    async def refresh_category_counts(self):
        """The tabs' unread counts from the database (one grouped COUNT). Handlers that
        change read state return this as a follow-up event rather than waiting for it."""
        if self._user_id:
            counts = await run_in_threadpool(read_category_counts, self._user_id)
            self.category_tabs = tabs_with_counts(self.category_tabs, counts)

    @access.user
    async def refresh_counts(self):
        """Badges and tab counts from the database (when this tab cannot work them out)."""
        if self._user_id:
            page = await run_in_threadpool(_read_page, self._user_id, category=self._category_filter())
            self._set_counts(page)
        return NotificationsState.refresh_category_counts

    def _category_filter(self) -> str | None:
        return self.category or None

    @access.user
    async def select_category(self, slug: str):
        """A category tab ("" = all): the list shows that category's newest page."""
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        known = {tab.slug for tab in self.category_tabs}
        self.category = slug if slug in known else ""
        self._apply_first_page(await run_in_threadpool(_read_page, user.id, category=self._category_filter()))
        return NotificationsState.refresh_category_counts

    @access.user
    async def on_stream_error(self, _message: str):
        """The stream failed. If it is because the session ended (logout elsewhere, expiry),
        go to /login (and back to this page) instead of retrying in vain; other failures
        the stream retries itself. The stream runs on every page with the bell. In a host
        app with `identify`, the host's user (if any) is signed in again instead."""
        user = await self._current_user()
        return await host_session.step_before(self, user, self.router.url.path.rstrip("/") or HOME)

    @access.user
    async def on_read(self, data: dict):
        """A `read` event: `ids` (those were marked read, or unread with `"read": false`),
        `upTo` (read-all: every one up to that cursor), or `reload` (a big bulk action or an
        undo). The list holds ids, not cursors, so `upTo` asks the database which of the
        loaded ones are read now."""
        if not isinstance(data, dict):
            return None
        count = data.get("unreadCount")
        count = count if isinstance(count, int) else self.unread_count
        unseen = data.get("unseenCount")
        unseen = unseen if isinstance(unseen, int) else None
        ids = data.get("ids")
        if data.get("reload") is True:
            self.unread_count, self.unseen_count = count, unseen if unseen is not None else self.unseen_count
            return await self._reload_lists(inbox=True, archive=True)
        if isinstance(data.get("upTo"), str) and self._user_id:
            self._set_read(await self._loaded_and_read(self._user_id), count, unseen)
        elif isinstance(ids, list) and data.get("read") is False:
            self._set_unread([i for i in ids if isinstance(i, str)], count, unseen)
        elif isinstance(ids, list):
            self._set_read([i for i in ids if isinstance(i, str)], count, unseen)
        return NotificationsState.refresh_category_counts

    @access.user
    async def on_event(self, envelope: dict):
        """A lifecycle event from the stream ({"type", "data"}, realtime/events.py): one
        handler per type below; unknown types are ignored, as the contract asks."""
        if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
            return None
        handler = getattr(self, f"_on_{envelope.get('type')}_event", None)
        result = await handler(envelope["data"]) if handler is not None else None
        if handler is None or envelope.get("type") in _EVENTS_KEEPING_UNREAD:
            return result
        follow_up = result if isinstance(result, list) else [] if result is None else [result]
        return [*follow_up, NotificationsState.refresh_category_counts]

    async def _on_preferences_event(self, data: dict):
        """The user changed their preferences (in any tab): alert by the new ones from now,
        and an open /preferences page shows them."""
        if isinstance(data.get("preferences"), dict):
            self._preferences = data["preferences"]
            return PreferencesState.apply_preferences(data["preferences"])
        return None

    async def _apply_lifecycle(self, event_type: str, data: dict):
        """`seen`, `archived`, `deleted`: drop the rows that left a list, mark the ones that
        changed, re-read a list that rows came into (lifecycle_events.plan)."""
        plan = lifecycle_events.plan(event_type, data)
        if plan.unread_count is not None:
            self.unread_count = max(0, plan.unread_count)
        if plan.unseen_count is not None:
            self.unseen_count = max(0, plan.unseen_count)
        self._drop_rows(plan.ids, inbox=plan.inbox == "drop", archive=plan.archive == "drop")
        if plan.inbox == "mark" and plan.unseen_count is not None:
            self._set_seen(list(plan.ids), plan.unseen_count)
        return await self._reload_lists(inbox=plan.inbox == "reload", archive=plan.archive == "reload")

    async def _on_seen_event(self, data: dict):
        return await self._apply_lifecycle("seen", data)

    async def _on_archived_event(self, data: dict):
        return await self._apply_lifecycle("archived", data)

    async def _on_deleted_event(self, data: dict):
        return await self._apply_lifecycle("deleted", data)

    async def _reload_lists(self, *, inbox: bool, archive: bool):
        """Re-read the first page of the inbox and/or the archived rows (if shown): rows came
        into them that no event lists."""
        if not self._user_id:
            return None
        if archive and self.view_archived:
            await self._reload_archive()
        if inbox:
            self._apply_first_page(await run_in_threadpool(_read_page, self._user_id, category=self._category_filter()))
        return None

    async def _reload_archive(self) -> None:
        if self._user_id:
            page = await run_in_threadpool(_read_page, self._user_id, None, None, True)
            self.archived_items, self.archived_more = page.items, page.next_cursor is not None

    def _seen_next(self):
        """The event that marks the inbox's rows seen, if `/` shows it on a visible page and
        it has unseen rows (called when the user comes back to the page, and when a
        notification arrives in front of them)."""
        if self.page_visible and self.loaded and not self.view_archived and any(not i.seen for i in self.items):
            return NotificationsState.mark_shown_seen
        return None

    # -- snooze, expiry, honest replay (scheduling/) ---------------------------------
    def _take_counts(self, data: dict) -> None:
        unread, unseen = data.get("unreadCount"), data.get("unseenCount")
        if isinstance(unread, int):
            self.unread_count = max(0, unread)
        if isinstance(unseen, int):
            self.unseen_count = max(0, unseen)

    async def _on_updated_event(self, data: dict) -> None:
        """A row changed in place: a snoozed (or archived) one leaves the inbox list, one
        coming back (or otherwise changed) takes its place in it; the Archived view's copy
        changes in place. `data` is `{"notification", counts}`
        (or the notification itself)."""
        wire = data.get("notification") if isinstance(data.get("notification"), dict) else data
        item = NotificationView.from_wire(wire)
        if item is None or not self._user_id or wire.get("userId") not in (None, self._user_id):
            return
        if any(i.id == item.id for i in self.archived_items):  # an action chosen in the Archived view
            self.archived_items = [item if i.id == item.id else i for i in self.archived_items]
        if not lifecycle_events.belongs_in_inbox(wire, iso_ms()):
            self.items = [i for i in self.items if i.id != item.id]
        elif any(i.id == item.id for i in self.items):
            self.items = [item if i.id == item.id else i for i in self.items]
        else:
            oldest = min((_order_key(i) for i in self.items), default=None)
            beyond = self.has_more and oldest is not None and _order_key(item) < oldest
            shown = self.category in ("", item.category)  # the category tab shown
            if not beyond and not self.newer_hidden and shown:  # else "load more" / "show newest" has it
                self._merge_newer([item])
        self._take_counts(data)

    async def _on_expired_event(self, data: dict) -> None:
        ids = data.get("ids")
        if isinstance(ids, list):
            gone = {i for i in ids if isinstance(i, str)}
            self.items = [i for i in self.items if i.id not in gone]
        self._take_counts(data)

    async def _on_reset_event(self, _data: dict) -> None:
        """The stream resumed over history that is gone: start the list afresh."""
        if self._user_id:
            self._apply_first_page(await run_in_threadpool(_read_page, self._user_id, category=self._category_filter()))

    async def _loaded_and_read(self, user_id: str) -> list[str]:
        unread = [item.id for item in self.items if not item.read]
        return await run_in_threadpool(lambda: read_state.read_ids_among(user_id=user_id, ids=unread))

    # -- read and seen state ------------------------------------------------------------
    @access.user
    async def mark_read(self, notification_id: str):
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        result = await read_state.mark_read(user_id=user.id, notification_id=notification_id)
        # Not this user's, gone, or refused in its state (expired): drop it from the list.
        if result.notification is None or result.refused is not None:
            self.items = [i for i in self.items if i.id != notification_id]
            self._set_counts(PageData([], result.counts.unread, result.counts.unseen, None))
            return None
        self._set_read([notification_id], result.counts.unread, result.counts.unseen)
        return NotificationsState.refresh_category_counts

    @access.user
    async def take_action(self, notification_id: str, action_id: str):
        """One of a notification's action buttons: record the choice (and mark it read)."""
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        try:
            result = await actions.take_action(user_id=user.id, notification_id=notification_id, action_id=action_id)
        except actions.ActionError as exc:
            return browser_events.toast("warning", exc.message.split(": ", 1)[-1])
        await self._on_updated_event(
            {
                "notification": result.notification,
                "unreadCount": result.counts.unread,
                "unseenCount": result.counts.unseen,
            }
        )
        return NotificationsState.refresh_category_counts

    @access.user
    async def set_page_visible(self, report: dict):
        """`{"visible", "initial"}` from components/page_visibility.py. Coming back to a
        visible `/` (not its first load: the bell and the "New" marks say what is new, and
        opening the bell marks it seen) counts as looking at the list: it is seen now."""
        self.page_visible = isinstance(report, dict) and report.get("visible") is True
        if self.page_visible and report.get("initial") is not True:
            return self._seen_next()
        return None

    @access.user
    async def mark_shown_seen(self):
        """The list is on screen: what it shows is seen now (the unseen badge drops, and the
        other tabs hear of it through the `seen` event). Only the inbox has an unseen badge."""
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        unseen = [item.id for item in self.items if not item.seen]
        if unseen and not self.view_archived:
            change = await lifecycle.mark_seen(user_id=user.id, ids=unseen)
            self._set_seen(unseen, change.counts.unseen)
            self.unread_count = change.counts.unread
        return None

    # -- views, archive, delete, bulk actions and undo -------------------------------------
    @access.user
    async def toggle_archived_view(self):
        """Between the inbox and the Archived view (`view-archived`)."""
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        self.view_archived = not self.view_archived
        if self.view_archived:
            await self._reload_archive()
        else:  # read again when shown next: a hidden list would go stale
            self.archived_items, self.archived_more = [], False
        return None

    def _view_filter(self, **narrow: bool) -> bulk.Filter:
        """The filter of the view shown: bulk actions act on it, never on everything."""
        return bulk.Filter(archived=self.view_archived, **narrow)

    async def _bulk(self, action: str, message: str, *, ids: list[str] | None = None, where: bulk.Filter | None = None):
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        if too_many := await _over_bulk_limit(user.id):
            return too_many
        result = await bulk.bulk(user_id=user.id, action=action, ids=ids, where=where)
        self.unread_count, self.unseen_count = result.counts.unread, result.counts.unseen
        if result.updated > lifecycle.EVENT_IDS:
            await self._reload_lists(inbox=True, archive=True)
        elif action in ("archive", "unarchive", "delete"):
            # Where they went is re-read when this tab's own event arrives (`archived`).
            self._drop_rows(result.ids, inbox=action != "unarchive", archive=action != "archive")
        elif action == "read":
            self._set_read(result.ids, result.counts.unread, result.counts.unseen)
        elif action == "unread":
            self._set_unread(result.ids, result.counts.unread, result.counts.unseen)
        elif action == "seen":
            self._set_seen(result.ids, result.counts.unseen)
        if result.undo_token is None:
            return browser_events.toast("info", "Nothing to change here.")
        noun = "notification" if result.updated == 1 else "notifications"
        self.undo_token, self.undo_message = result.undo_token, f"{message} {result.updated} {noun}."
        self.undo_ms = int(get_settings().undo_window_seconds * 1000)
        return None

    @access.user
    async def archive(self, notification_id: str):
        return await self._bulk("archive", "Archived", ids=[notification_id])

    @access.user
    async def unarchive(self, notification_id: str):
        return await self._bulk("unarchive", "Moved back to the inbox:", ids=[notification_id])

    @access.user
    async def delete(self, notification_id: str):
        return await self._bulk("delete", "Deleted", ids=[notification_id])

    @access.user
    async def mark_all_read(self):
        """Every unread row of the view shown (not of every view)."""
        return await self._bulk("read", "Marked read:", where=self._view_filter())

    @access.user
    async def archive_all_read(self):
        return await self._bulk("archive", "Archived", where=self._view_filter(read=True))

    @access.user
    async def delete_all(self):
        return await self._bulk("delete", "Deleted", where=self._view_filter())

    @access.user
    async def undo(self):
        """The undo toast's button: revert the last bulk action of this tab."""
        user = await self._current_user()
        if user is None:
            return login_redirect(HOME)
        if not self.undo_token:
            return None
        if too_many := await _over_bulk_limit(user.id):
            return too_many  # the token stays: undo can be pressed again
        token, self.undo_token = self.undo_token, ""
        try:
            result = await bulk.undo(user_id=user.id, token=token)
        except bulk.UndoError as exc:
            reason = exc.message.split(": ", 1)[-1]
            return browser_events.toast("warning", f"Could not undo: {reason}.")
        self.unread_count, self.unseen_count = result.counts.unread, result.counts.unseen
        await self._reload_lists(inbox=True, archive=True)
        return browser_events.toast("success", "Undone.")

    @access.user
    def dismiss_undo(self):
        self.undo_token = ""

    # -- alert settings -------------------------------------------------------------
    @access.anyone
    def set_sound(self, enabled: bool):
        self.sound_on = "1" if enabled else "0"
        if enabled:
            return alerts.sound()  # a sample, and the click unlocks audio in the browser
        return None

    @access.anyone
    def set_desktop(self, enabled: bool):
        if not enabled:
            self.desktop_on = "0"
            return None
        return browser_events.script(
            alerts.REQUEST_DESKTOP_PERMISSION_JS, callback=NotificationsState.desktop_permission
        )

    @access.anyone
    def desktop_permission(self, permission: str):
        self.desktop_on = "1" if permission == "granted" else "0"
        if permission == "granted":
            return None
        reason = "isn't supported by this browser" if permission == "unsupported" else "was blocked by the browser"
        return browser_events.toast("warning", f"Desktop notifications {reason}.")
