"""Connection state of the notification stream, as the original hook returned it.

Pages wire `notification_stream(on_status=StreamState.set_status, ...)`; the JS sends the
status on every change. `reconnect` / `disconnect` act on the browser's shared stream.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from notification_center.components.notification_stream import stream_disconnect, stream_reconnect
from notification_center.state import access
from notification_center.state.auth_state import holds_user_data


@holds_user_data
class StreamState(rx.State):
    """This tab's view of the notification stream."""

    is_connected: bool = False
    # Until the component reports, the page is on its way to a connection, not disconnected.
    is_connecting: bool = True
    error: str = ""
    reconnect_attempts: int = 0
    # Whether this tab holds the browser's stream (the others mirror it).
    is_leader: bool = False
    # "sse" | "websocket" (the live or attempted transport), "" until the component reports.
    transport: str = ""

    def _clear_user_data(self) -> None:
        self.is_connected, self.is_connecting, self.error = False, True, ""
        self.reconnect_attempts, self.is_leader, self.transport = 0, False, ""

    @rx.var
    def connection_state(self) -> str:
        """'connected' | 'connecting' | 'disconnected'."""
        if self.is_connected:
            return "connected"
        if self.is_connecting:
            return "connecting"
        return "disconnected"

    @access.anyone
    def set_status(self, status: dict[str, Any]) -> None:
        """Take the component's `on_status` payload."""
        if not isinstance(status, dict):
            return
        self.is_connected = bool(status.get("isConnected"))
        self.is_connecting = bool(status.get("isConnecting")) and not self.is_connected
        error = status.get("error")
        self.error = error if isinstance(error, str) else ""
        try:
            self.reconnect_attempts = max(0, int(status.get("reconnectAttempts") or 0))
        except (TypeError, ValueError):
            self.reconnect_attempts = 0
        self.is_leader = bool(status.get("isLeader"))
        transport = status.get("transport")
        self.transport = transport if transport in ("sse", "websocket") else ""

    @access.anyone
    def reconnect(self):
        """Reconnect now (relayed to the leader tab when this tab is a follower)."""
        return stream_reconnect()

    @access.anyone
    def disconnect(self):
        """Close the stream until `reconnect` (for every tab of this browser)."""
        return stream_disconnect()
