"""The standalone app: the package mounted with its own pages. Nothing else lives here."""

import reflex as rx

from notification_center.mount import install
from notification_center.state.outage_toast import backend_exception_handler

# A database outage in any event shows one "temporarily unavailable" toast (state/outage_toast.py).
app = install(
    rx.App(backend_exception_handler=backend_exception_handler),
    pages=True,
    guard_every_handler=True,
)
