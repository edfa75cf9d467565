"""/login: username and password, posted to the API by the browser (see auth_state)."""

from __future__ import annotations

import reflex as rx

from notification_center.components.layout import testid
from notification_center.state.auth_state import AuthState, sign_in


def _field(label: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.flex(
        rx.el.label(rx.text(label, as_="span", size="2", weight="medium"), html_for=control_id),
        control,
        direction="column",
        spacing="1",
    )


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.flex(
                    rx.flex(
                        rx.icon("bell", size=28),
                        rx.heading("Notification Center", size="6", as_="h1"),
                        align="center",
                        spacing="2",
                    ),
                    rx.text("Sign in to see your notifications.", color="var(--gray-11)", size="2"),
                    _field(
                        "Username",
                        "login-username",
                        rx.input(
                            id="login-username",
                            name="username",
                            auto_complete="username",
                            auto_focus=True,
                            size="3",
                            **testid("login-username"),
                        ),
                    ),
                    _field(
                        "Password",
                        "login-password",
                        rx.input(
                            id="login-password",
                            name="password",
                            type="password",
                            auto_complete="current-password",
                            size="3",
                            **testid("login-password"),
                        ),
                    ),
                    rx.cond(
                        AuthState.login_error != "",
                        rx.callout(
                            AuthState.login_error,
                            icon="triangle-alert",
                            color_scheme="red",
                            role="alert",
                            **testid("login-error"),
                        ),
                    ),
                    rx.button("Sign in", type="submit", size="3", width="100%", **testid("login-submit")),
                    direction="column",
                    spacing="4",
                ),
                on_submit=sign_in(),
            ),
            size="4",
            width="100%",
            max_width="24rem",
        ),
        min_height="100vh",
        padding="1rem",
    )
