"""This product's own pages and their routes: the standalone app (`install(app, pages=True)`)."""

from __future__ import annotations

import reflex as rx

from notification_center.components.bell import tab_title
from notification_center.pages.audit import audit_page
from notification_center.pages.categories import categories_page
from notification_center.pages.history import history_detail_page, history_page
from notification_center.pages.index import index_page
from notification_center.pages.keys import keys_page
from notification_center.pages.login import login_page
from notification_center.pages.operator import operator_page
from notification_center.pages.preferences import preferences_page
from notification_center.settings import get_settings
from notification_center.state.audit_state import AuditState
from notification_center.state.auth_state import AuthState
from notification_center.state.categories_state import CATEGORIES_ROUTE, CategoriesState
from notification_center.state.email_state import EmailState
from notification_center.state.history_state import DETAIL_ROUTE, HISTORY_ROUTE, HistoryState
from notification_center.state.keys_state import KeysState
from notification_center.state.notifications_state import NotificationsState
from notification_center.state.operator_state import OperatorState
from notification_center.state.preferences_state import PreferencesState
from notification_center.state.push_state import PushState


def add_pages(app: rx.App) -> None:
    app.add_page(index_page, route="/", title=tab_title("Notifications"), on_load=NotificationsState.load)
    app.add_page(
        login_page, route="/login", title="Sign in · Notification Center", on_load=AuthState.check_already_signed_in
    )
    app.add_page(
        operator_page, route="/operator", title=tab_title("Operator · Notification Center"), on_load=OperatorState.load
    )
    app.add_page(
        keys_page, route="/operator/keys", title=tab_title("API keys · Notification Center"), on_load=KeysState.load
    )
    app.add_page(
        audit_page, route="/operator/audit", title=tab_title("Audit log · Notification Center"), on_load=AuditState.load
    )
    app.add_page(
        categories_page,
        route=CATEGORIES_ROUTE,
        title=tab_title("Categories · Notification Center"),
        on_load=CategoriesState.load,
    )
    app.add_page(
        history_page,
        route=HISTORY_ROUTE,
        title=tab_title("Sent history · Notification Center"),
        on_load=HistoryState.load,
    )
    app.add_page(
        history_detail_page,
        route=DETAIL_ROUTE,
        title=tab_title("Send · Notification Center"),
        on_load=HistoryState.load_detail,
    )
    if get_settings().example_pages:  # the README's "bell on your own page", for the tests
        from examples.bell_page import add_example_pages

        add_example_pages(app)
    app.add_page(
        preferences_page,
        route="/preferences",
        title=tab_title("Preferences · Notification Center"),
        on_load=[PreferencesState.load, PushState.load_browsers, EmailState.load],
    )
