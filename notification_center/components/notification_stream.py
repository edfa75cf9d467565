"""The notification stream as a Reflex component: `web/notification_stream.js` wrapped.

The JS re-creates the original `useNotificationStream` React hook (a connection to the
stream, envelopes parsed, exponential-backoff reconnects that resume with `?lastEventId=`),
with one stream per browser shared among its tabs (a Web Locks leader relays over a
BroadcastChannel). The connection goes through one adapter per transport: SSE
(GET /api/notifications/stream) or WebSocket (GET /api/notifications/ws); `transport="auto"`
(the default) starts with SSE and switches when it cannot get through (README: the stream
protocol). It renders nothing; pages place it once and wire
its event triggers to state handlers:

    notification_stream(
        on_notification=NotificationsState.on_notification,  # payload: the notification dict
        on_read=NotificationsState.on_read,                  # payload: {"ids": [...], "unreadCount": n}
        on_event=NotificationsState.on_event,                # payload: {"type": "seen", "data": {...}}
        on_status=StreamState.set_status,                    # payload: see StreamStatus below
        scope=AuthState.username,                            # optional: sharing never crosses users
    )

`stream_reconnect()` / `stream_disconnect()` return `rx.call_script` events that act on this
tab's stream (relayed to the browser's leader tab, so they act on the shared stream).
"""

from __future__ import annotations

from typing import Any, TypedDict

import reflex as rx
from reflex.event import EventSpec, no_args_event_spec, passthrough_event_spec
from reflex_base.components.component import field

from notification_center import web
from notification_center.components import browser_events

STREAM_URL = "/api/notifications/stream"
WS_URL = "/api/notifications/ws"
TRANSPORTS = ("auto", "sse", "websocket")

# `library` points at the copy Reflex makes of the package's JS in .web/public (notification_center/web).
LIBRARY = web.library("notification_stream.js")

# What the JS exposes for the scripts below.
JS_GLOBAL = "window.ncNotificationStream"


class StreamStatus(TypedDict):
    """The `on_status` payload, sent on every change of this tab's view of the stream."""

    isConnected: bool
    isConnecting: bool
    error: str | None
    reconnectAttempts: int
    isLeader: bool
    transport: str | None  # "sse" | "websocket": the live (or attempted) transport


class NotificationStream(rx.Component):
    """Runs the notification stream hook in the browser; renders nothing."""

    library = LIBRARY
    tag = "NotificationStream"

    url: rx.Var[str] = field(default=rx.Var.create(STREAM_URL), doc="Same-origin URL of the SSE route.")
    ws_url: rx.Var[str] = field(default=rx.Var.create(WS_URL), doc="Same-origin URL of the WebSocket route.")
    transport: rx.Var[str] = field(
        default=rx.Var.create("auto"),
        doc='"auto" (SSE first, the other one when it cannot get through; remembered per browser session), '
        '"sse" or "websocket".',
    )
    auto_reconnect: rx.Var[bool] = field(default=rx.Var.create(True), doc="Reconnect after errors.")
    reconnect_delay: rx.Var[int] = field(
        default=rx.Var.create(3000), doc="Base delay (ms) before a reconnect; doubles per attempt, capped at 30 s."
    )
    max_reconnect_attempts: rx.Var[int] = field(
        default=rx.Var.create(5), doc="Reconnect attempts before giving up (until reconnect/visible/online)."
    )
    scope: rx.Var[str] = field(
        doc="Optional: namespaces the cross-tab sharing (lock, channel, stored cursor), e.g. the user id."
    )

    on_notification: rx.EventHandler[passthrough_event_spec(dict)] = field(
        doc="A new notification (the wire object, camelCase); de-duplicated by id per tab."
    )
    on_read: rx.EventHandler[passthrough_event_spec(dict)] = field(
        doc='Read-state sync from another client: {"ids": [...], "unreadCount": n}.'
    )
    on_event: rx.EventHandler[passthrough_event_spec(dict)] = field(
        doc='A lifecycle event (seen, archived, deleted, updated, expired, reset): {"type": ..., "data": {...}}.'
    )
    on_connected: rx.EventHandler[no_args_event_spec] = field(doc="The stream (re)connected.")
    on_disconnected: rx.EventHandler[no_args_event_spec] = field(doc="A connected stream was lost or closed.")
    on_error: rx.EventHandler[passthrough_event_spec(str)] = field(doc="An error message.")
    on_status: rx.EventHandler[passthrough_event_spec(dict)] = field(
        doc="{isConnected, isConnecting, error, reconnectAttempts, isLeader, transport}, on every change."
    )


def notification_stream(transport: str = "auto", **props: Any) -> rx.Component:
    """The stream component (place it once per page); `transport`: "auto", "sse" or "websocket"."""
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {TRANSPORTS}, not {transport!r}")
    return NotificationStream.create(transport=transport, **props)


def stream_reconnect() -> EventSpec:
    """Reconnect the browser's stream now (resets the backoff)."""
    return browser_events.script(f"{JS_GLOBAL} && {JS_GLOBAL}.reconnect()")


def stream_disconnect() -> EventSpec:
    """Close the browser's stream; it stays closed until reconnect."""
    return browser_events.script(f"{JS_GLOBAL} && {JS_GLOBAL}.disconnect()")
