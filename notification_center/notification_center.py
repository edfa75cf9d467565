"""The Reflex app: the HTTP API mounted beside the pages. Nothing else lives here."""

import reflex as rx

from notification_center.api import build_api
from notification_center.lifespan import realtime_lifespan

app = rx.App(api_transformer=build_api())
app.register_lifespan_task(realtime_lifespan)


@rx.page(route="/")
def index() -> rx.Component:
    return rx.text("Notification Center")
