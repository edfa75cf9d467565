"""What a page shows when an event hits a database outage: one toast, not Reflex's error.

Reflex hands every exception an event raised, in the session guard's session lookup
(state/session_guard.py, before every user handler) or in the handler itself, to the
app's `backend_exception_handler` (notification_center.py). This is that handler: an
outage (notification_center/outages.py, the same classification as the API's 503) shows a
"temporarily unavailable" toast, one at a time (a fixed toast id); anything else keeps
Reflex's own handler. A session lookup that fails raises, so the tab is never taken for
signed out (its data stays, it is not sent to /login) and the handler does not run; a
handler that fails rolled its transaction back (db.session_scope).

No `from __future__ import annotations` here: Reflex checks this function's annotations
by evaluating them in its own module, where only real types resolve.
"""

import logging

from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec

from notification_center.components import browser_events
from notification_center.monitoring import dependencies
from notification_center.outages import classify

logger = logging.getLogger(__name__)

OUTAGE_TOAST_ID = "nc-dependency-outage"
OUTAGE_TITLE = "Temporarily unavailable — retrying"


def backend_exception_handler(exception: Exception) -> EventSpec:
    """Reflex's `backend_exception_handler`: the outage toast, or Reflex's default."""
    outage = classify(exception)
    if outage is None:
        return default_backend_exception_handler(exception)
    dependencies.record_outage(outage)
    logger.warning("event refused: %s (%s)", outage.message(), type(exception).__name__)
    return browser_events.toast(
        "warning",
        OUTAGE_TITLE,
        description=f"The {outage.dependency} {outage.reason}; nothing was changed. "
        "Live updates reconnect by themselves; try that again in a few seconds.",
        id=OUTAGE_TOAST_ID,
    )
