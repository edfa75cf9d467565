"""The email column of /preferences and the address form above it. Everything here is hidden
while the server sends no email (EmailState.enabled false: NC_SMTP_URL unset)."""

from __future__ import annotations

import reflex as rx

from notification_center.components.testids import testid
from notification_center.state.email_state import EmailState

CHOICES = (
    ("never", "Never"),
    ("unread", "If unread"),
    ("digest", "Digest"),
    ("always", "Always"),
)
_SELECT_STYLE = {
    "height": "var(--space-6)",
    "padding": "0 0.5rem",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
}


def email_choice(slug: rx.Var, critical: rx.Var) -> rx.Component:
    """The category's email choice: never, if unread after its delay, in the digest, always.
    A critical category always mails (shown, not changeable)."""
    return rx.cond(
        EmailState.enabled,
        rx.text(
            rx.flex(
                rx.icon("mail", size=14),
                "Email",
                rx.el.select(
                    *[rx.el.option(label, value=value) for value, label in CHOICES],
                    value=rx.cond(critical, "always", EmailState.modes.get(slug, "unread")),
                    disabled=critical,
                    on_change=lambda mode: EmailState.set_email_mode(slug, mode),
                    style=_SELECT_STYLE,
                    custom_attrs={"data-testid": f"pref-{slug}-email", "aria-label": "Email"},
                ),
                align="center",
                spacing="2",
            ),
            as_="label",
            size="2",
        ),
    )


def _status() -> rx.Component:
    return rx.cond(
        EmailState.address != "",
        rx.text(
            rx.cond(
                EmailState.verified,
                rx.fragment("Mail goes to ", rx.text.strong(EmailState.address), "."),
                rx.fragment("Waiting for you to open the link sent to ", rx.text.strong(EmailState.pending), "."),
            ),
            size="2",
            color="var(--gray-11)",
            **testid("email-status", **{"data-verified": rx.cond(EmailState.verified, "true", "false")}),
        ),
        rx.text("No email address yet: notifications stay in the app.", size="2", color="var(--gray-11)"),
    )


def address_form() -> rx.Component:
    return rx.cond(
        EmailState.enabled,
        rx.card(
            rx.form(
                rx.flex(
                    rx.flex(
                        rx.el.label(rx.text("Email address", size="2", weight="medium"), html_for="email-address"),
                        rx.input(
                            name="email",
                            id="email-address",
                            type="email",
                            placeholder="name@example.com",
                            max_length=254,
                            **testid("email-address"),
                        ),
                        direction="column",
                        spacing="1",
                        flex="1",
                        min_width="14rem",
                    ),
                    rx.button(
                        rx.icon("mail-check", size=16),
                        "Save and confirm",
                        type="submit",
                        loading=EmailState.saving,
                        **testid("email-save"),
                    ),
                    spacing="3",
                    align="end",
                    wrap="wrap",
                ),
                on_submit=EmailState.save_address,
                reset_on_submit=True,
            ),
            rx.box(_status(), margin_top="0.5rem"),
            width="100%",
            margin_bottom="1rem",
        ),
    )
