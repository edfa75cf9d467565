"""My app: its own users table, its own sign-in, its own page, and the notification
center's bell in its header. Everything it uses of the notification center is
`import notification_center as nc` (README "Add it to your Reflex app")."""

from __future__ import annotations

import reflex as rx
import sqlmodel
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

import notification_center as nc

hasher = PasswordHasher()


class Member(rx.Model, table=True):
    """The host's own users."""

    __tablename__ = "host_members"
    name: str = sqlmodel.Field(unique=True, index=True)
    password_hash: str


class HostAuth(rx.State):
    """The host's sign-in. The member's name is a backend-only var: the browser cannot set it."""

    _member: str = ""
    signed_in_as: str = ""
    error: str = ""

    @rx.event
    async def sign_in(self, form: dict):
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        with rx.session() as session:
            member = session.exec(sqlmodel.select(Member).where(Member.name == name)).first()
        try:
            if member is None:
                raise VerificationError("no such member")
            hasher.verify(member.password_hash, password)
        except VerificationError:
            self.error = "Wrong name or password"
            return None
        self._member, self.signed_in_as, self.error = member.name, member.name, ""
        return nc.on_page_load  # signs this member in to the notification center, too

    @rx.event
    async def sign_out(self):
        member, self._member, self.signed_in_as = self._member, "", ""
        if member:
            await nc.sign_out(member)  # their streams end at once, on every worker

    @rx.event
    async def send_me_one(self):
        """From the host's Python code, addressed by the host's own user id."""
        if self._member:
            await nc.notify(self._member, nc.Draft(title="Hello from my app", content="Sent by host code"))


async def who_is_signed_in(state: rx.State) -> nc.HostUser | None:
    """The notification center asks: who is signed in to my app in this tab?"""
    auth = await state.get_state(HostAuth)
    return nc.HostUser(id=auth._member, name=auth._member) if auth._member else None


def sign_in_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.input(name="name", placeholder="Name", id="host-name"),
            rx.input(name="password", type="password", placeholder="Password", id="host-password"),
            rx.button("Sign in", type="submit", id="host-sign-in"),
            rx.text(HostAuth.error, color="red"),
        ),
        on_submit=HostAuth.sign_in,
    )


def header() -> rx.Component:
    return rx.flex(
        rx.heading("My app", size="5"),
        rx.cond(
            HostAuth.signed_in_as != "",
            rx.hstack(
                rx.text(HostAuth.signed_in_as, id="host-member"),
                nc.notification_bell(inbox_href="/inbox"),
                rx.button("Sign out", on_click=HostAuth.sign_out, id="host-sign-out"),
            ),
        ),
        justify="between",
        align="center",
        padding="1rem",
        border_bottom="1px solid var(--gray-a5)",
    )


def index() -> rx.Component:
    return rx.box(
        header(),
        rx.box(
            rx.cond(
                HostAuth.signed_in_as != "",
                rx.button("Send me a notification", on_click=HostAuth.send_me_one, id="host-send"),
                sign_in_form(),
            ),
            padding="1rem",
        ),
    )


def inbox() -> rx.Component:
    """The full inbox, inside my app's own header (whose bell holds the page's stream)."""
    return rx.box(header(), rx.box(nc.notification_center_page(with_stream=False), padding="1rem"))


app = nc.install(rx.App(), identify=who_is_signed_in)
app.add_page(index, route="/", title="My app", on_load=nc.on_page_load)
app.add_page(inbox, route="/inbox", title="Inbox · My app", on_load=nc.on_inbox_load)
