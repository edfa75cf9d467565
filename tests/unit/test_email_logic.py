"""The pure parts of email: the SMTP URL, the mail's parts and headers, the signed tokens, the
preference rules, due times, cancelling, digest grouping and what an SMTP answer means."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notification_center.mail import addresses, message, tokens
from notification_center.mail.channel import EmailChannel, cancel_reason, digest_due, due_at
from notification_center.mail.sender import outcome_of_code
from notification_center.preferences.rules import email_delay_problem, email_mode, email_wire
from notification_center.scheduling.deliveries import settle
from notification_center.settings import parse_smtp_url

NOW = datetime(2026, 12, 2, 12, 34, 56, tzinfo=UTC)
FROM = "Notify <notify@example.org>"


def test_smtp_url_forms():
    plain = parse_smtp_url("smtp://mail.example.com")
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls, plain.username) == (
        "mail.example.com",
        25,
        False,
        "auto",
        None,
    )
    auth = parse_smtp_url("smtp://me%40example.com:p%40ss%3Aw@127.0.0.1:587?starttls=always")
    assert (auth.username, auth.password, auth.port, auth.starttls) == ("me@example.com", "p@ss:w", 587, "always")
    tls = parse_smtp_url("smtps://u:p@smtp.example.com")
    assert (tls.port, tls.implicit_tls, tls.starttls) == (465, True, "never")
    assert "p@ss" not in repr(auth)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example.com", "smtp:// or smtps://"),
        ("smtp://", "must name a host"),
        ("smtp://host:70000", "not a valid URL"),
        ("smtp://host/path", "no path"),
        ("smtp://host?tls=1", "unknown option"),
        ("smtp://host?starttls=maybe", "starttls must be one of"),
        ("smtps://host?starttls=always", "TLS already"),
    ],
)
def test_bad_smtp_urls_say_what_is_wrong_without_the_password(url, says):
    with pytest.raises(ValueError, match=says) as caught:
        parse_smtp_url(url.replace("://", "://user:secret-pw@", 1) if "//" in url and url != "smtp://" else url)
    assert "secret-pw" not in str(caught.value)


def _row(**extra: Any) -> dict[str, Any]:
    return {"id": "notif_1", "title": "Hello", "content": "", "category": "general", "created_at": NOW, **extra}


def test_notification_mail_is_multipart_with_escaped_html_and_one_click_headers():
    row = _row(title='<b>"Hi" & bye</b>', content="a\n<script>x</script>", url="/items/7")
    mail = message.notification_message(
        row, to="a@example.com", mail_from=FROM, public_url="https://nc.example.com", unsubscribe_url="https://u/x?t=1"
    )
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Subject"] == '<b>"Hi" & bye</b>'
    assert mail["List-Unsubscribe"] == "<https://u/x?t=1>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Message-ID"].endswith("@example.org>")
    assert mail["Auto-Submitted"] == "auto-generated"
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;&quot;Hi&quot; &amp; bye&lt;/b&gt;" in html
    assert 'href="https://nc.example.com/items/7"' in html
    text = mail.get_body(("plain",)).get_content()
    assert "<script>x</script>" in text and "https://nc.example.com/items/7" in text


def test_header_injection_is_flattened():
    row = _row(title="Hi\r\nBcc: victim@example.com")
    mail = message.notification_message(
        row, to="a@example.com", mail_from=FROM, public_url="http://x", unsubscribe_url=None
    )
    assert mail["Subject"] == "Hi Bcc: victim@example.com"
    assert mail["Bcc"] is None
    assert "List-Unsubscribe" not in mail


def test_links_are_the_notifications_own_or_the_inbox():
    assert message.link_for({"url": "https://example.com/a"}, "http://nc") == "https://example.com/a"
    assert message.link_for({"url": "/b"}, "http://nc/") == "http://nc/b"
    assert message.link_for({"url": None}, "http://nc") == "http://nc/"


def test_digest_lists_newest_first():
    rows = [
        _row(id="n1", title="old", created_at=NOW, seq=1),
        _row(id="n2", title="new", created_at=NOW + timedelta(minutes=1), seq=2),
    ]
    mail = message.digest_message(rows, to="a@example.com", mail_from=FROM, public_url="http://nc", unsubscribe_url="u")
    assert mail["Subject"] == "2 unread notifications"
    text = mail.get_body(("plain",)).get_content()
    assert text.index("new") < text.index("old")


def test_tokens_are_single_purpose_and_unforgeable():
    confirm = tokens.confirm_token("user_1", "a@example.com")
    assert tokens.read_confirm_token(confirm) == ("user_1", "a@example.com")
    assert tokens.read_unsubscribe_token(confirm) is None
    unsubscribe = tokens.unsubscribe_token("user_1", ["news", "general", "news"])
    assert tokens.read_unsubscribe_token(unsubscribe) == ("user_1", ["general", "news"])
    assert tokens.read_confirm_token(unsubscribe) is None
    assert tokens.read_unsubscribe_token(unsubscribe[:-2] + "xx") is None
    assert tokens.read_unsubscribe_token("") is None
    assert tokens.read_unsubscribe_token("a" * 5000) is None


def test_preference_rules():
    assert email_mode(None, critical=False) == "unread"
    assert email_mode("digest", critical=False) == "digest"
    assert email_mode("never", critical=True) == "always"
    assert email_mode("weekly", critical=False) == "unread"
    assert email_wire(None, None, False, 15.0) == {"email": "unread", "emailDelayMinutes": 15.0}
    assert email_wire("unread", 0.5, False, 15.0)["emailDelayMinutes"] == 0.5
    assert email_delay_problem(0) is None and email_delay_problem(2.5) is None
    assert email_delay_problem(-1) and email_delay_problem(True) and email_delay_problem("5")


def test_due_times():
    assert due_at("always", 15, NOW, 3600) == NOW
    assert due_at("unread", 15, NOW, 3600) == NOW + timedelta(minutes=15)
    assert due_at("digest", 15, NOW, 3600) == datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    assert digest_due(datetime(2026, 12, 2, 13, 0, tzinfo=UTC), 3600) == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


def test_cancel_reasons():
    assert cancel_reason(_row(read_at=NOW), "unread") == "read in the app before the mail was due"
    assert "seen" in cancel_reason(_row(seen_at=NOW), "digest")
    assert "archived" in cancel_reason(_row(archived_at=NOW), "unread")
    assert cancel_reason(_row(read_at=NOW), "always") is None
    assert cancel_reason(_row(), "unread") is None


def test_smtp_answers():
    transient = outcome_of_code(451, "4.3.0 Try again later")
    assert (transient.ok, transient.retry) == (False, True)
    assert "451" in transient.error
    permanent = outcome_of_code(550, "5.1.1 No such user")
    assert (permanent.ok, permanent.retry) == (False, False)
    assert settle([permanent], attempts=1, max_attempts=5, base=1).status == "failed"
    again = settle([transient], attempts=1, max_attempts=5, base=1)
    assert (again.status, again.delay) == ("pending", 1)
    assert settle([], attempts=1, max_attempts=5, base=1, nothing="no confirmed email address").error == (
        "no confirmed email address"
    )


@dataclass
class _Job:
    delivery_id: int
    user_id: str
    mode: str
    attempts: int
    notification: dict[str, Any]
    members: list[tuple[int, int]] = field(default_factory=list)


def test_a_users_digest_rows_become_one_job():
    jobs = [
        _Job(1, "u1", "digest", 1, _row(id="a")),
        _Job(2, "u1", "digest", 1, _row(id="b")),
        _Job(3, "u2", "digest", 2, _row(id="c")),
        _Job(4, "u1", "unread", 1, _row(id="d")),
    ]
    combined = EmailChannel().combine(jobs)
    assert [j.delivery_id for j in combined] == [1, 3, 4]
    assert [n["id"] for n in combined[0].notification["digest"]] == ["a", "b"]
    assert combined[0].members == [(2, 1)]
    assert combined[2].notification["id"] == "d"


@pytest.mark.parametrize("bad", ["", "plain", "a@b", "a b@example.com", "a@example.com\nBcc: x", "x" * 250 + "@e.com"])
def test_address_check_refuses(bad):
    with pytest.raises(addresses.AddressError):
        addresses.check_address(bad)


def test_address_check_lowercases_the_domain_only():
    assert addresses.check_address(" Me.Name+tag@Example.COM ") == "Me.Name+tag@example.com"
