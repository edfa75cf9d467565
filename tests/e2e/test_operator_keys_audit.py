"""The operator console's API keys page (create -> the secret shown once -> revoke) and
audit page (rows, CSV export), in Chromium against the app as `make run` serves it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in_with_cookie


def _send_with(app_server, secret: str, recipient: str, title: str) -> httpx.Response:
    return httpx.post(
        app_server.url + "/api/notifications",
        json={"title": title, "recipients": [recipient]},
        headers={"Authorization": f"Bearer {secret}"},
    )


def _create_key(page: Page, name: str) -> str:
    page.get_by_test_id("key-name").fill(name)
    page.get_by_test_id("key-create").click()
    secret = page.get_by_test_id("key-secret")
    expect(secret).to_have_attribute("data-key-name", name)
    expect(secret).to_contain_text("nck_key_")
    return secret.inner_text().strip()


def _row(page: Page, name: str):
    return page.get_by_test_id("key-row").filter(has_text=name)


def test_keys_page_create_shows_secret_once_then_revoke(
    new_context, app_server, make_account, artifacts_dir: Path
) -> None:
    operator = make_account(role="operator", prefix="console")
    user = make_account(prefix="gail")
    context = new_context()
    sign_in_with_cookie(context, app_server, operator)
    page = context.new_page()
    page.goto("/operator")
    page.get_by_test_id("link-keys").click()
    expect(page).to_have_url(app_server.url + "/operator/keys")

    billing = _create_key(page, "billing-service")
    assert _send_with(app_server, billing, user.username, "Invoice paid").status_code == 201
    deploy = _create_key(page, "deploy-bot")
    assert deploy != billing
    expect(page.get_by_test_id("key-name")).to_have_value("")
    expect(_row(page, "deploy-bot")).to_have_attribute("data-state", "active")
    page.wait_for_timeout(300)
    page.screenshot(path=artifacts_dir / "operator-keys.png", full_page=True)

    # Shown once: after a reload the secret is nowhere on the page, the key is still listed.
    page.reload()
    expect(_row(page, "deploy-bot")).to_be_visible()
    expect(page.get_by_test_id("key-secret")).to_have_count(0)
    assert deploy not in page.content() and billing not in page.content()
    last_used = _row(page, "billing-service").locator("td").nth(4)
    expect(last_used).to_contain_text("UTC")  # recorded when it sent, not "never"
    expect(_row(page, "deploy-bot").locator("td").nth(4)).to_have_text("never")

    _row(page, "deploy-bot").get_by_test_id("key-revoke").click()
    expect(_row(page, "deploy-bot")).to_have_attribute("data-state", "revoked")
    expect(_row(page, "deploy-bot").get_by_test_id("key-revoke")).to_have_count(0)
    refused = _send_with(app_server, deploy, user.username, "Too late")
    assert (refused.status_code, refused.json()["error"]) == (401, "this API key was revoked")
    assert _send_with(app_server, billing, user.username, "Still fine").status_code == 201


def test_audit_page_lists_events_and_exports_csv(new_context, app_server, make_account, artifacts_dir: Path) -> None:
    operator = make_account(role="operator", prefix="auditpage")
    user = make_account(prefix="hank")
    context = new_context()
    sign_in_with_cookie(context, app_server, operator)
    client = app_server.login(operator.username, operator.password)
    try:
        key = client.post("/api/keys", json={"name": "=cmd|' /C calc'!A0"}).json()
        assert _send_with(app_server, key["secret"], user.username, "Report ready").status_code == 201
        assert client.delete(f"/api/keys/{key['id']}").status_code == 200
    finally:
        client.close()

    page = context.new_page()
    page.goto("/operator")
    page.get_by_test_id("send-title").fill("Sent from the page")
    page.get_by_test_id("send-recipients").fill(user.username)
    page.get_by_test_id("send-submit").click()
    expect(page.get_by_test_id("send-result")).to_have_attribute("data-ok", "true")
    page.get_by_test_id("link-audit").click()
    expect(page).to_have_url(app_server.url + "/operator/audit")
    rows = page.get_by_test_id("audit-row")
    mine = rows.and_(page.locator(f'[data-actor="{operator.username}"]'))
    expect(mine.and_(page.locator('[data-action="sign_in"]')).first).to_be_visible()
    expect(mine.and_(page.locator('[data-action="key_created"]'))).to_have_count(1)
    expect(mine.and_(page.locator('[data-action="key_revoked"]'))).to_have_count(1)
    sent = rows.and_(page.locator('[data-action="notification_sent"]')).filter(has_text="Report ready")
    expect(sent).to_contain_text("=cmd|' /C calc'!A0")  # the key's name, shown as text
    from_page = rows.and_(page.locator('[data-action="notification_sent"]')).filter(has_text="Sent from the page")
    expect(from_page).to_have_attribute("data-actor", operator.username)
    expect(from_page).to_contain_text("127.0.0.1")
    # Newest first: the revocation is listed above the send, which is above the creation.
    actions = rows.evaluate_all("rows => rows.map(r => r.dataset.action)")[:4]
    assert actions == ["notification_sent", "key_revoked", "notification_sent", "key_created"]

    page.screenshot(path=artifacts_dir / "operator-audit.png")

    with page.expect_download() as download_info:
        page.get_by_test_id("audit-export").click()
    download = download_info.value
    assert download.suggested_filename == "audit.csv"
    table = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(), newline="")))
    by_key = next(row for row in table if row["action"] == "notification_sent" and row["target"] == "Report ready")
    assert by_key["actor"] == "'=cmd|' /C calc'!A0" and by_key["actorType"] == "key"


def test_non_operators_cannot_use_the_console_pages(new_context, app_server, make_account) -> None:
    user = make_account(prefix="ivy")
    context = new_context()
    sign_in_with_cookie(context, app_server, user)
    page = context.new_page()
    for path in ("/operator/keys", "/operator/audit"):
        page.goto(path)
        expect(page.get_by_test_id("operator-forbidden")).to_be_visible()
        expect(page.get_by_test_id("key-create")).to_have_count(0)
        expect(page.get_by_test_id("audit-row")).to_have_count(0)
