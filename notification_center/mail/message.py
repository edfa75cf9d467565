"""What a mail says, and its headers: pure, unit-tested apart from the sender.

Every mail is multipart/alternative (plain text, then HTML). Notification text is plain text
(CONTRACT section 5): it is escaped in the HTML part, and control characters never reach a
header. Links are the notification's own `url` (checked at send time, notifications/links.py;
a path is made absolute with NC_PUBLIC_URL) or the app's inbox. Notification mails carry
`List-Unsubscribe` (the signed one-click link) and `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` (RFC 8058), a `Message-ID` and a `Date`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from html import escape
from typing import Any

SUBJECT_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_STYLE = "font-family:system-ui,sans-serif;font-size:15px;line-height:1.5;color:#1f2328"


def one_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """`text` for a header: control characters and line breaks become spaces, cut to `limit`."""
    flat = _CONTROL.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def link_for(notification: Mapping[str, Any], public_url: str) -> str:
    """The notification's own link (absolute), else the app's inbox."""
    url = notification.get("url") or "/"
    return public_url.rstrip("/") + url if url.startswith("/") else url


def _html_text(text: str) -> str:
    return "<br>".join(escape(line) for line in text.splitlines())


def _envelope(
    *, subject: str, to: str, mail_from: str, text: str, html: str, unsubscribe_url: str | None
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = one_line(subject)
    message["From"] = mail_from
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(f'<!doctype html><html><body style="{_STYLE}">{html}</body></html>', subtype="html")
    return message


def _footer_text(public_url: str, unsubscribe_url: str | None) -> str:
    base = public_url.rstrip("/")
    lines = ["", "--", f"Your inbox: {base}/", f"Email settings: {base}/preferences"]
    if unsubscribe_url:
        lines.append(f"Stop these emails: {unsubscribe_url}")
    return "\n".join(lines) + "\n"


def _footer_html(public_url: str, unsubscribe_url: str | None) -> str:
    base = escape(public_url.rstrip("/"), quote=True)
    parts = [f'<a href="{base}/">Your inbox</a>', f'<a href="{base}/preferences">Email settings</a>']
    if unsubscribe_url:
        parts.append(f'<a href="{escape(unsubscribe_url, quote=True)}">Stop these emails</a>')
    return f'<hr><p style="font-size:13px;color:#59636e">{" · ".join(parts)}</p>'


def notification_message(
    notification: Mapping[str, Any], *, to: str, mail_from: str, public_url: str, unsubscribe_url: str | None
) -> EmailMessage:
    """One notification: subject = its title; the text, and a link to it."""
    title, content = notification["title"], notification.get("content") or ""
    link = link_for(notification, public_url)
    count = int(notification.get("group_count") or 1)
    more = f" ({count} updates)" if count > 1 else ""
    text = f"{title}{more}\n\n{content}\n\nOpen: {link}\n" + _footer_text(public_url, unsubscribe_url)
    html = (
        f"<h2>{escape(title)}{escape(more)}</h2>"
        + (f"<p>{_html_text(content)}</p>" if content else "")
        + f'<p><a href="{escape(link, quote=True)}">Open</a></p>'
        + _footer_html(public_url, unsubscribe_url)
    )
    return _envelope(
        subject=title + more, to=to, mail_from=mail_from, text=text, html=html, unsubscribe_url=unsubscribe_url
    )


def digest_message(
    notifications: Sequence[Mapping[str, Any]],
    *,
    to: str,
    mail_from: str,
    public_url: str,
    unsubscribe_url: str | None,
) -> EmailMessage:
    """The unread notifications since the last digest, newest first, each with its link."""
    ordered = sorted(notifications, key=lambda n: (n["created_at"], n.get("seq") or 0), reverse=True)
    count = len(ordered)
    subject = f"{count} unread notification{'s' if count != 1 else ''}"
    text_items, html_items = [], []
    for n in ordered:
        link = link_for(n, public_url)
        content = n.get("content") or ""
        text_items.append(f"* {n['title']}\n" + (f"  {content}\n" if content else "") + f"  {link}\n")
        html_items.append(
            f'<li><a href="{escape(link, quote=True)}"><strong>{escape(n["title"])}</strong></a>'
            + (f"<br>{_html_text(content)}" if content else "")
            + "</li>"
        )
    text = f"{subject}:\n\n" + "\n".join(text_items) + _footer_text(public_url, unsubscribe_url)
    html = f"<h2>{escape(subject)}</h2><ul>{''.join(html_items)}</ul>" + _footer_html(public_url, unsubscribe_url)
    return _envelope(subject=subject, to=to, mail_from=mail_from, text=text, html=html, unsubscribe_url=unsubscribe_url)


def confirm_message(*, to: str, mail_from: str, link: str, username: str, hours: float) -> EmailMessage:
    """The address confirmation: the signed link, valid for `hours`."""
    text = (
        f"Hello {username},\n\nplease confirm that notifications may be sent to this address:\n\n{link}\n\n"
        f"The link works for {hours:g} hours. If you did not ask for this, ignore this mail.\n"
    )
    html = (
        f"<p>Hello {escape(username)},</p><p>please confirm that notifications may be sent to this address:</p>"
        f'<p><a href="{escape(link, quote=True)}">Confirm this address</a></p>'
        f"<p>The link works for {hours:g} hours. If you did not ask for this, ignore this mail.</p>"
    )
    return _envelope(
        subject="Confirm your email address", to=to, mail_from=mail_from, text=text, html=html, unsubscribe_url=None
    )
