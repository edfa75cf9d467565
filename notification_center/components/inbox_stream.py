"""The browser's notification stream wired to the inbox state: one per signed-in page.

The bell (in every page's header) places it, so every page has exactly one, and the
tabs of a browser share one EventSource whichever pages they show.
"""

from __future__ import annotations

import reflex as rx

from notification_center.components.notification_stream import notification_stream
from notification_center.state.auth_state import AuthState
from notification_center.state.notifications_state import NotificationsState
from notification_center.state.stream_state import StreamState


def inbox_stream() -> rx.Component:
    # Mounted only once the user is known: a signed-out tab must not open a stream.
    return rx.cond(
        AuthState.signed_in,
        notification_stream(
            on_notification=NotificationsState.on_notification,
            on_read=NotificationsState.on_read,
            on_event=NotificationsState.on_event,
            on_connected=NotificationsState.resync,
            on_error=NotificationsState.on_stream_error,
            on_status=StreamState.set_status,
            scope=AuthState.username,  # a stored resume cursor never crosses users
        ),
    )
