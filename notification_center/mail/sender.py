"""Sending one mail through NC_SMTP_URL with aiosmtplib, and turning the server's answer
into an `Outcome`: accepted -> ok; a 4xx answer (RFC 5321: transient), a dropped connection
or a timeout -> retry later; a 5xx answer (permanent) or a refused configuration -> failed,
never retried. One connection per mail: simple, and fast enough (bench/results/email.md)."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib as smtp

from notification_center.channels.base import Outcome
from notification_center.settings import SmtpConfig, get_settings


def outcome_of_code(code: int, message: str) -> Outcome:
    """An SMTP reply code that refused the mail, as an Outcome (pure)."""
    error = f"SMTP server answered {code} {message}".strip()[:500]
    return Outcome(ok=False, error=error, retry=400 <= code < 500)


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if bundle := get_settings().smtp_ca_bundle:
        context.load_verify_locations(bundle)
    return context


def _start_tls(config: SmtpConfig) -> bool | None:
    return {"auto": None, "always": True, "never": False}[config.starttls]


async def send(message: EmailMessage) -> Outcome:
    """Deliver `message` (its From/To headers are the envelope); never raises."""
    settings = get_settings()
    config = settings.smtp
    if config is None:
        return Outcome(ok=False, error="email is not configured (NC_SMTP_URL)")
    try:
        await smtp.send(
            message,
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.implicit_tls,
            start_tls=_start_tls(config),
            tls_context=_tls_context() if config.implicit_tls or config.starttls != "never" else None,
            timeout=settings.email_timeout_seconds,
        )
    except smtp.SMTPRecipientsRefused as exc:
        first = exc.recipients[0]
        return outcome_of_code(first.code, first.message)
    except smtp.SMTPResponseException as exc:  # sender refused, data refused, auth failed...
        return outcome_of_code(exc.code, exc.message)
    except (smtp.SMTPConnectError, smtp.SMTPServerDisconnected, smtp.SMTPTimeoutError, OSError) as exc:
        return Outcome(ok=False, error=f"network: {type(exc).__name__}: {exc}"[:500], retry=True)
    except smtp.SMTPException as exc:  # e.g. STARTTLS required and not offered: a configuration problem
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(ok=True)
