"""The live-connection indicator and, when disconnected, a button to reconnect now.

The stream's status reaches the page through Reflex state, i.e. over the app's websocket.
When that websocket itself is down (the server stopped or is unreachable) no status can
arrive, so the browser-side "cannot reach the server" flag overrides it: the stream
lives on the same server, so it is down too. Both come back by themselves.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import has_connection_errors

from notification_center import styles
from notification_center.components.layout import testid
from notification_center.components.notification_stream import stream_reconnect
from notification_center.state.stream_state import StreamState


def connection_state() -> rx.Var:
    """'connected' | 'connecting' | 'disconnected', as this page can best tell."""
    return rx.cond(has_connection_errors, "disconnected", StreamState.connection_state)


def _badge(state: str) -> rx.Component:
    text, color, icon = styles.CONNECTION_LABELS[state]
    return rx.badge(
        rx.icon(icon, size=14, aria_hidden="true"),
        text,
        color_scheme=color,
        variant="soft",
        size="2",
        role="status",
        aria_live="polite",
        white_space="nowrap",
        # data-leader: whether this tab holds the browser's shared stream (others mirror it);
        # data-transport: "sse" | "websocket", the one live (or being tried).
        **testid(
            "connection-status",
            **{
                "data-state": state,
                "data-leader": rx.cond(StreamState.is_leader, "true", "false"),
                "data-transport": StreamState.transport,
            },
        ),
    )


def connection_status() -> rx.Component:
    state = connection_state()
    return rx.flex(
        rx.match(
            state,
            ("connected", _badge("connected")),
            ("connecting", _badge("connecting")),
            _badge("disconnected"),
        ),
        rx.cond(
            state == "disconnected",
            rx.tooltip(
                rx.button(
                    rx.icon("refresh-cw", size=14),
                    "Reconnect",
                    size="1",
                    variant="surface",
                    # Straight to the browser's stream: works even while the app's websocket is down.
                    on_click=stream_reconnect(),
                    **testid("reconnect-button"),
                ),
                content=rx.cond(
                    has_connection_errors,
                    "Cannot reach the server; retrying by itself",
                    rx.cond(StreamState.error != "", StreamState.error, "Not receiving live notifications"),
                ),
            ),
        ),
        align="center",
        spacing="2",
    )
