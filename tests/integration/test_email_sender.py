"""The SMTP sender against a real aiosmtpd, in this process: connections are reused, one the
server dropped while idle is replaced at once (no failed mail), and a server that is gone is a
retryable network failure."""

from __future__ import annotations

import asyncio
import os
from email.message import EmailMessage

import pytest

from notification_center import settings
from notification_center.mail import sender
from tests.support.smtp_server import SmtpServer


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):
    server = SmtpServer().start()
    monkeypatch.setitem(os.environ, "NC_SMTP_URL", server.url)
    settings.get_settings.cache_clear()
    yield server
    server.stop()
    settings.get_settings.cache_clear()


def _mail(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "n@example.org", "a@example.com", f"mail {n}"
    message.set_content("hello")
    return message


def test_connections_are_reused_and_a_dropped_one_is_replaced(smtp):
    async def run() -> list:
        outcomes = [await sender.send(_mail(n)) for n in range(3)]
        (pooled,) = sender._idle[asyncio.get_running_loop()]
        smtp.stop()  # the server goes away (and with it the pooled connection) ...
        smtp.start()  # ... and comes back on the same port
        outcomes.append(await sender.send(_mail(3)))
        smtp.stop()
        outcomes.append(await sender.send(_mail(4)))  # nobody listening now
        await sender.close()
        return [pooled, *outcomes]

    pooled, *outcomes = asyncio.run(run())
    assert [o.ok for o in outcomes] == [True, True, True, True, False]
    assert outcomes[-1].retry and outcomes[-1].error.startswith("network:")
    assert [m["Subject"] for m in (r.message for r in smtp.received)] == [f"mail {n}" for n in range(4)]
    assert not pooled.is_connected
