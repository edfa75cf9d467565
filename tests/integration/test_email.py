"""Email end to end with real parts: the API and its scheduler under granian
(WorkerApiServer), a real SMTP server (aiosmtpd, tests/support/smtp_server.py) that requires
STARTTLS and AUTH, users with confirmed addresses. Mails are read as they arrived: multipart
parts, escaping, headers, the one-click unsubscribe; the delivery rows through the history."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from notification_center.auth.users import save_user
from notification_center.mail import addresses
from tests.conftest import APP_ENV
from tests.support.api_server import WorkerApiServer
from tests.support.smtp_server import SmtpServer

DIGEST_SECONDS = 3.0


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path_factory.mktemp("smtp-tls")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[WorkerApiServer]:
    env = {
        **APP_ENV,
        "NC_SCHEDULER_INTERVAL_SECONDS": "0.1",
        "NC_SMTP_URL": smtp.url,
        "NC_SMTP_CA_BUNDLE": str(smtp.ca_path),
        "NC_MAIL_FROM": "Notify <notify@example.org>",
        "NC_EMAIL_RETRY_BASE_SECONDS": "0.2",
        "NC_EMAIL_MAX_ATTEMPTS": "3",
        "NC_EMAIL_DIGEST_SECONDS": str(DIGEST_SECONDS),
        # Two delivery rows per claim: a digest's rows span batches, and still make one mail.
        "NC_SCHEDULER_BATCH_SIZE": "2",
    }
    app = WorkerApiServer(Path(tmp_path_factory.mktemp("email-app")), env)
    app.env_overrides["NC_PUBLIC_URL"] = app.url
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def operator(server: WorkerApiServer) -> httpx.Client:
    name = f"op{secrets.token_hex(4)}"
    server.create_user(name, "operator-password-1", "operator")
    return server.login(name, "operator-password-1")


@pytest.fixture(scope="module")
def accounts(server: WorkerApiServer) -> Iterator[Callable[[str, str | None], None]]:
    """Make users straight in the server's database with the CLI's own functions (a CLI run
    per user costs seconds of interpreter start; `create-user --email` has its own test)."""
    engine = create_engine(server.env()["REFLEX_DB_URL"], connect_args={"timeout": 30})

    def make(name: str, address: str | None) -> None:
        with Session(engine) as session:
            saved = save_user(session=session, username=name, password="user-password-1")
            if address:
                addresses.set_confirmed(session=session, user=saved.user, address=address)
            session.commit()

    yield make
    engine.dispose()


@pytest.fixture(scope="module")
def someone(server: WorkerApiServer, accounts) -> httpx.Client:
    """One confirmed user for the input checks."""
    name = f"u{secrets.token_hex(4)}"
    accounts(name, f"{name}@example.com")
    return server.login(name, "user-password-1")


def test_create_user_with_email_confirms_the_address(server):
    name = f"u{secrets.token_hex(4)}"
    done = server.cli("create-user", name, "--password=user-password-1", f"--email={name}@Example.com")
    assert f"email {name}@example.com (confirmed)" in done.stdout
    me = server.login(name, "user-password-1").get("/api/auth/me").json()
    assert (me["email"], me["emailVerified"], me["emailPending"]) == (f"{name}@example.com", True, None)
    bad = server.cli("create-user", name, "--password=user-password-1", "--email=not-an-address", check=False)
    assert bad.returncode != 0 and "email" in bad.stderr


@pytest.fixture
def user(server: WorkerApiServer, accounts) -> Callable[..., tuple[str, str, httpx.Client]]:
    """(username, address, signed-in client): a user with a confirmed address (unless told)."""

    def make(confirmed: bool = True, **general: object) -> tuple[str, str, httpx.Client]:
        name = f"u{secrets.token_hex(4)}"
        address = f"{name}@example.com"
        accounts(name, address if confirmed else None)
        client = server.login(name, "user-password-1")
        if general:
            r = client.put("/api/preferences", json={"preferences": {"general": general}})
            assert r.status_code == 200, r.text
        return name, address, client

    return make


def send(operator: httpx.Client, username: str, title: str | None = None, **extra) -> tuple[str, str]:
    """(notification id, title) of a fresh send to `username`."""
    title = title or f"Build {secrets.token_hex(3)} failed"
    r = operator.post(
        "/api/notifications", json={"title": title, "content": "main is red", "recipients": [username], **extra}
    )
    assert r.status_code == 201, r.text
    return r.json()["ids"][0], title


def wait_for(check: Callable[[], object], timeout: float = 20.0, what: Callable[[], object] | None = None) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out; now: {what() if what else None}")


def channels_of(operator: httpx.Client, title: str, username: str) -> dict:
    """The per-channel delivery status of `username`'s notification from the send titled `title`."""
    for item in operator.get("/api/history", params={"limit": 50}).json()["items"]:
        if item["title"] == title:
            detail = operator.get(f"/api/history/{item['id']}").json()
            return next(r["channels"] for r in detail["recipients"] if r["username"] == username)
    raise AssertionError(f"no send titled {title!r}")


def email_settled(operator: httpx.Client, title: str, username: str) -> dict:
    status = wait_for(
        lambda: (s := channels_of(operator, title, username).get("email")) and s["status"] != "pending" and s,
        what=lambda: channels_of(operator, title, username),
    )
    assert isinstance(status, dict)
    return status


def test_unread_after_the_delay_arrives_once_as_multipart_with_escaped_html(server, operator, user, smtp):
    username, address, _ = user(email="unread", emailDelayMinutes=0.02)  # 1.2 s
    evil = '<script>alert("x")</script> & <b>bold</b>'
    sent_at = time.monotonic()
    notification_id, title = send(operator, username, title=evil, content="line 1\n<img src=x onerror=1>", url="/x/1")
    (mail,) = wait_for(lambda: smtp.to(address))
    assert time.monotonic() - sent_at >= 1.0  # not before the delay
    assert mail["Subject"] == evil
    assert mail["To"] == address
    assert mail["From"] == "Notify <notify@example.org>"
    assert mail["Message-ID"].startswith("<") and mail["Message-ID"].endswith("@example.org>")
    assert mail["Date"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(server.url + "/api/email/unsubscribe?token=")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert evil in text and "<img src=x onerror=1>" in text
    assert f"{server.url}/x/1" in text
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=1&gt;" in html
    assert f'href="{server.url}/x/1"' in html
    status = email_settled(operator, title, username)
    assert status == {"status": "sent", "attempts": 1, "lastError": None, "clickedAt": None}
    assert len(smtp.to(address)) == 1
    assert notification_id
    (item,) = [i for i in operator.get("/api/history", params={"limit": 50}).json()["items"] if i["title"] == title]
    assert _nonzero(item["channels"]) == {"email": {"sent": 1}}


def test_read_in_the_app_before_the_delay_cancels_the_mail(server, operator, user, smtp):
    username, address, client = user(email="unread", emailDelayMinutes=0.02)
    notification_id, title = send(operator, username)
    assert client.post(f"/api/notifications/{notification_id}/read").status_code == 200
    status = email_settled(operator, title, username)
    assert status["status"] == "cancelled"
    assert "read" in status["lastError"]
    # Seen (the bell opened) and archived cancel it too.
    seen_id, seen_title = send(operator, username)
    assert client.post(f"/api/notifications/{seen_id}/seen").status_code == 200
    archived_id, archived_title = send(operator, username)
    assert client.post(f"/api/notifications/{archived_id}/archive").status_code == 200
    assert email_settled(operator, seen_title, username)["status"] == "cancelled"
    assert email_settled(operator, archived_title, username)["status"] == "cancelled"
    assert smtp.to(address) == []
    # The history list counts it per channel: cancelled because read.
    (item,) = [i for i in operator.get("/api/history", params={"limit": 50}).json()["items"] if i["title"] == title]
    assert _nonzero(item["channels"]) == {"email": {"cancelled": 1}}


def test_a_grouped_row_sends_one_mail(server, operator, user, smtp):
    username, address, _ = user(email="unread", emailDelayMinutes=0.03)
    key = f"deploy-{secrets.token_hex(3)}"
    ids = {send(operator, username, title=f"deploy {n}", groupKey=key)[0] for n in range(3)}
    assert len(ids) == 1  # one inbox row
    (mail,) = wait_for(lambda: smtp.to(address))
    assert mail["Subject"] == "deploy 2 (3 updates)"
    assert email_settled(operator, "deploy 2", username)["status"] == "sent"
    assert len(smtp.to(address)) == 1


def test_451_then_250_is_retried_and_sent_once(server, operator, user, smtp):
    username, address, _ = user(email="always")
    smtp.answer(address, 451)
    _, title = send(operator, username)
    status = email_settled(operator, title, username)
    assert status == {"status": "sent", "attempts": 2, "lastError": None, "clickedAt": None}
    assert smtp.attempts[address] == 2
    assert len(smtp.to(address)) == 1


def test_5xx_fails_without_retry(server, operator, user, smtp):
    username, address, _ = user(email="always")
    smtp.answer(address, 550)
    _, title = send(operator, username)
    status = email_settled(operator, title, username)
    assert status["status"] == "failed" and status["attempts"] == 1
    assert "550" in status["lastError"]
    assert smtp.attempts[address] == 1
    assert smtp.to(address) == []


def test_4xx_every_time_fails_after_the_attempts(server, operator, user, smtp):
    username, address, _ = user(email="always")
    smtp.answer(address, 451, 451, 451)
    _, title = send(operator, username)
    status = email_settled(operator, title, username)
    assert status["status"] == "failed" and status["attempts"] == 3
    assert "after 3 attempts" in status["lastError"] and "451" in status["lastError"]


def test_digest_collects_exactly_the_unread_ones(server, operator, user, smtp):
    username, address, client = user(email="digest")
    # Start right after a digest period began, so the sends below all fall in one period.
    wait_for(lambda: DIGEST_SECONDS - time.time() % DIGEST_SECONDS > DIGEST_SECONDS - 0.5, timeout=DIGEST_SECONDS + 1)
    read_id, read_title = send(operator, username, title="read one")
    assert client.post(f"/api/notifications/{read_id}/read").status_code == 200
    send(operator, username, title="first unread", url="https://example.com/a?x=1&y=2")
    send(operator, username, title="second unread")
    (mail,) = wait_for(lambda: smtp.to(address), timeout=DIGEST_SECONDS + 5)
    assert mail["Subject"] == "2 unread notifications"
    text = mail.get_body(("plain",)).get_content()
    assert "read one" not in text
    assert text.index("second unread") < text.index("first unread")  # newest first
    html = mail.get_body(("html",)).get_content()
    assert 'href="https://example.com/a?x=1&amp;y=2"' in html
    assert mail["List-Unsubscribe"]
    assert email_settled(operator, "first unread", username)["status"] == "sent"
    assert email_settled(operator, "second unread", username)["status"] == "sent"
    assert email_settled(operator, read_title, username)["status"] == "cancelled"
    assert len(smtp.to(address)) == 1


def test_one_click_unsubscribe_without_sign_in_and_a_forged_token_refused(server, operator, user, smtp):
    username, address, client = user(email="always")
    send(operator, username)
    (mail,) = wait_for(lambda: smtp.to(address))
    link = mail["List-Unsubscribe"].strip("<>")
    token = urlsplit(link).query.split("=", 1)[1]
    anonymous = httpx.Client(base_url=server.url, timeout=10)
    page = anonymous.get(link)  # a browser opening the link: a button, nothing changed yet
    assert page.status_code == 200 and "<form" in page.text
    assert client.get("/api/preferences").json()["preferences"]["general"]["email"] == "always"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    r = anonymous.post(f"/api/email/unsubscribe?token={forged}", content=b"List-Unsubscribe=One-Click")
    assert r.status_code == 400 and r.json()["field"] == "token"
    assert anonymous.get(f"/api/email/unsubscribe?token={forged}").status_code == 400
    # The mail provider's one-click POST (RFC 8058): form body, no cookie, no Origin.
    r = anonymous.post(
        link, content=b"List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"unsubscribed": ["general"], "kept": []}
    assert client.get("/api/preferences").json()["preferences"]["general"]["email"] == "never"
    again = anonymous.post(link, content=b"List-Unsubscribe=One-Click")
    assert again.status_code == 200
    _, title = send(operator, username)
    assert "email" not in channels_of(operator, title, username)  # nothing queued any more
    # A token for another purpose (a confirmation link's) is refused here too.
    r = client.put("/api/email/address", json={"email": f"other-{address}"})
    assert r.status_code == 202
    confirm_link = wait_for(lambda: smtp.to(f"other-{address}"))[0].get_body(("plain",)).get_content()
    confirm_token = confirm_link.split("token=", 1)[1].split()[0]
    assert anonymous.post(f"/api/email/unsubscribe?token={confirm_token}").status_code == 400


def test_no_confirmed_address_gets_no_mail(server, operator, user, smtp):
    username, _, client = user(confirmed=False)
    _, title = send(operator, username)
    assert "email" not in channels_of(operator, title, username)
    # An address asked for but not confirmed yet gets nothing either.
    pending = f"{username}@example.net"
    assert client.put("/api/email/address", json={"email": pending}).status_code == 202
    wait_for(lambda: smtp.to(pending))  # only the confirmation mail
    _, title = send(operator, username)
    assert "email" not in channels_of(operator, title, username)
    assert len(smtp.to(pending)) == 1


def test_address_confirmation_flow(server, operator, user, smtp):
    username, old, client = user()
    me = client.get("/api/auth/me").json()
    assert me["email"] == old and me["emailVerified"] is True
    new = f"new-{username}@Example.COM"
    r = client.put("/api/email/address", json={"email": new})
    assert r.status_code == 202, r.text
    expected = f"new-{username}@example.com"
    assert r.json() == {"email": expected, "emailVerified": False, "emailPending": expected}
    (mail,) = wait_for(lambda: smtp.to(expected))
    assert mail["Subject"] == "Confirm your email address"
    assert "List-Unsubscribe" not in mail
    link = next(w for w in mail.get_body(("plain",)).get_content().split() if "/api/email/confirm?" in w)
    me = client.get("/api/auth/me").json()
    assert (me["email"], me["emailVerified"]) == (expected, False)
    # Until confirmed, mail still goes to the old, confirmed address.
    client.put("/api/preferences", json={"preferences": {"general": {"email": "always"}}})
    send(operator, username)
    wait_for(lambda: smtp.to(old))
    anonymous = httpx.Client(base_url=server.url, timeout=10)
    forged = link[:-3] + "abc"
    assert anonymous.get(forged).status_code == 400
    page = anonymous.get(link)  # works without signing in (opened from the mailbox)
    assert page.status_code == 200 and "email-confirmed" in page.text
    me = client.get("/api/auth/me").json()
    assert me == {**me, "email": expected, "emailVerified": True, "emailPending": None}
    send(operator, username)
    wait_for(lambda: [m for m in smtp.to(expected) if m["Subject"] != "Confirm your email address"])
    assert anonymous.get(link).status_code == 200  # opening it again is harmless
    # The same address again: nothing to confirm, nothing mailed.
    r = client.put("/api/email/address", json={"email": expected})
    assert r.status_code == 200 and r.json()["emailVerified"] is True
    # Removing it stops the mail.
    r = client.delete("/api/email/address")
    assert r.status_code == 200 and r.json() == {"email": None, "emailVerified": False, "emailPending": None}
    _, title = send(operator, username)
    assert "email" not in channels_of(operator, title, username)


@pytest.mark.parametrize(
    ("path", "method", "body", "status", "field"),
    [
        ("/api/email/address", "PUT", {"email": "not an address"}, 422, "email"),
        ("/api/email/address", "PUT", {"email": "a@b"}, 422, "email"),
        ("/api/email/address", "PUT", {"email": "x@example.com\r\nBcc: y@example.com"}, 422, "email"),
        ("/api/email/address", "PUT", {"email": 5}, 422, "email"),
        ("/api/email/address", "PUT", {}, 422, "email"),
        ("/api/email/address", "PUT", {"email": "a@example.com", "extra": 1}, 422, "extra"),
        ("/api/preferences", "PUT", {"preferences": {"general": {"email": "sometimes"}}}, 422, None),
        ("/api/preferences", "PUT", {"preferences": {"general": {"emailDelayMinutes": -1}}}, 422, None),
        ("/api/preferences", "PUT", {"preferences": {"general": {"emailDelayMinutes": "5"}}}, 422, None),
        ("/api/preferences", "PUT", {"preferences": {"security": {"email": "never"}}}, 422, "preferences.security"),
        ("/api/email/unsubscribe", "POST", None, 400, "token"),
    ],
)
def test_bad_input_is_4xx_naming_the_field(someone, path, method, body, status, field):
    client = someone
    r = client.request(method, path, json=body) if body is not None else client.request(method, path)
    assert r.status_code == status, r.text
    if field is None:  # pydantic's path into the body
        assert r.json()["field"].startswith("preferences.general."), r.json()
    else:
        assert r.json()["field"] == field, r.json()


def test_email_routes_need_a_session_where_they_should(server):
    anonymous = httpx.Client(base_url=server.url, timeout=10)
    assert anonymous.put("/api/email/address", json={"email": "a@example.com"}).status_code == 401
    assert anonymous.delete("/api/email/address").status_code == 401
    assert anonymous.get("/api/email/confirm").status_code == 400


def test_a_categorys_email_delay_is_the_default_of_its_users(server, operator, someone):
    slug = f"deploys-{secrets.token_hex(3)}"
    r = operator.post("/api/categories", json={"slug": slug, "name": "Deploys", "emailDelayMinutes": 2.5})
    assert r.status_code == 201, r.text
    assert r.json()["emailDelayMinutes"] == 2.5
    mine = someone.get("/api/preferences").json()["preferences"][slug]
    assert (mine["email"], mine["emailDelayMinutes"]) == ("unread", 2.5)
    r = operator.post("/api/categories", json={"slug": slug, "name": "Deploys", "emailDelayMinutes": -1})
    assert r.status_code == 422 and r.json()["field"] == "emailDelayMinutes"
    # Changing something else keeps the delay.
    assert operator.post("/api/categories", json={"slug": slug, "name": "Deploys!"}).json()["emailDelayMinutes"] == 2.5


def test_address_changes_are_limited_per_user(user, smtp):
    username, _, client = user()
    for n in range(5):  # NC_EMAIL_CONFIRM_RATE_LIMIT's default: 5/hour
        assert client.put("/api/email/address", json={"email": f"{username}-{n}@example.net"}).status_code == 202
    r = client.put("/api/email/address", json={"email": f"{username}-6@example.net"})
    assert r.status_code == 429 and r.json()["field"] == "email"
    assert int(r.headers["Retry-After"]) > 0
    assert smtp.to(f"{username}-6@example.net") == []


def _nonzero(channels: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """A send's per-channel counts without the statuses it has none of."""
    return {name: {k: v for k, v in counts.items() if v} for name, counts in channels.items()}
