"""The operator console's send form with category, link, group key and expiry, and the
/operator/categories page, in Chromium against the shared app server: what the form sends
reaches the user's list with those fields; what the send rules refuse (a `javascript:`
link, an unknown category) is shown on the form naming the field and nothing arrives; a
category made on the page is there for users; plain users and signed-out visitors are kept
out. Screenshots of both pages (desktop)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import Account
from tests.e2e.helpers import open_center, sign_in_with_cookie

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def user_client(app_server, make_account) -> Iterator[tuple[Account, httpx.Client]]:
    """A plain user and an HTTP client signed in as them (to read their inbox through the API)."""
    account = make_account(prefix="uma")
    client = app_server.login(account.username, account.password)
    yield account, client
    client.close()


def _console(new_context, app_server, make_account) -> tuple[BrowserContext, Page]:
    context = new_context(viewport=DESKTOP)
    sign_in_with_cookie(context, app_server, make_account(role="operator", prefix="otis"))
    page = context.new_page()
    page.goto("/operator")
    expect(page.get_by_test_id("send-submit")).to_be_visible()
    return context, page


def _new_category(operator, name: str) -> str:
    slug = f"{name.lower()}-{secrets.token_hex(3)}"
    response = operator.client.post("/api/categories", json={"slug": slug, "name": name})
    assert response.status_code == 201, response.text
    return slug


def _fill(page: Page, title: str, recipient: str, **fields: str) -> None:
    page.get_by_test_id("send-title").fill(title)
    page.get_by_test_id("send-recipients").fill(recipient)
    for test_id, value in fields.items():
        page.get_by_test_id(test_id.replace("_", "-")).fill(value)


def _inbox(client: httpx.Client) -> list[dict]:
    response = client.get("/api/notifications")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_operator_form_sends_category_link_group_key_and_expiry(
    new_context, app_server, make_account, operator, user_client, artifacts_dir: Path
) -> None:
    user, client = user_client
    slug = _new_category(operator, "Deploys")
    reader = new_context()
    sign_in_with_cookie(reader, app_server, user)
    center = open_center(reader)
    _, page = _console(new_context, app_server, make_account)

    # The category select offers the operators' categories, `general` first and chosen.
    category = page.get_by_test_id("send-category")
    expect(category).to_have_value("general")
    expect(category.locator(f'option[value="{slug}"]')).to_have_text("Deploys")
    category.select_option(slug)
    _fill(page, "Build 42 is live", user.username, send_url="/preferences", send_group_key="build-42", send_ttl="3600")
    page.screenshot(path=artifacts_dir / "operator-send-form-fields.png", full_page=True)
    page.get_by_test_id("send-submit").click()
    expect(page.get_by_test_id("send-result")).to_have_attribute("data-ok", "true")
    expect(page.get_by_test_id("send-title")).to_have_value("")
    # The options stay for the next send of a series (a grouped row takes the latest's fields).
    expect(page.get_by_test_id("send-url")).to_have_value("/preferences")
    expect(page.get_by_test_id("send-group-key")).to_have_value("build-42")

    # The user's list: in that category's tab, with the link on its title.
    center.get_by_test_id(f"category-tab-{slug}").click()
    expect(center.get_by_test_id(f"category-tab-{slug}")).to_have_attribute("data-selected", "true")
    row = center.get_by_test_id("notification-item").filter(has_text="Build 42 is live")
    expect(row).to_have_attribute("data-category", slug)
    expect(row.get_by_test_id("notification-link")).to_have_attribute("href", "/preferences")

    # The same group key again: still one row, now counting two sends.
    _fill(page, "Build 42 is live (again)", user.username)
    page.get_by_test_id("send-submit").click()
    expect(page.get_by_test_id("send-result")).to_contain_text("Sent 1 notification")
    expect(center.get_by_test_id("notification-item")).to_have_count(1)
    expect(center.get_by_test_id("notification-item").first).to_have_attribute("data-group-count", "2")

    (stored,) = _inbox(client)
    assert (stored["category"], stored["url"], stored["groupKey"], stored["groupCount"]) == (
        slug,
        "/preferences",
        "build-42",
        2,
    )
    assert stored["expiresAt"]  # ttlSeconds became an expiry


def test_refused_fields_show_on_the_form_and_nothing_is_sent(
    new_context, app_server, make_account, user_client
) -> None:
    user, client = user_client
    _, page = _console(new_context, app_server, make_account)
    result = page.get_by_test_id("send-result")

    _fill(page, "Click me", user.username, send_url="javascript:alert(document.cookie)")
    page.get_by_test_id("send-submit").click()
    expect(result).to_have_attribute("data-ok", "false")
    expect(result).to_have_attribute("data-field", "url")
    expect(result).to_contain_text("url: ")
    expect(page.get_by_test_id("send-url")).to_have_attribute("aria-invalid", "true")

    # A category that is not (or no longer) defined: the send's own check refuses it.
    page.get_by_test_id("send-url").fill("https://example.com/ok")
    page.get_by_test_id("send-category").evaluate(
        "select => { select.add(new Option('Gone', 'gone-category')); select.value = 'gone-category'; }"
    )
    page.get_by_test_id("send-submit").click()
    expect(result).to_have_attribute("data-field", "category")
    expect(result).to_contain_text("category: no such category 'gone-category'")
    expect(page.get_by_test_id("send-category")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("send-url")).to_have_attribute("aria-invalid", "false")
    expect(page.get_by_test_id("send-title")).to_have_value("Click me")  # kept, to fix and resend

    assert _inbox(client) == []


def test_categories_page_creates_and_updates_categories_users_see(
    new_context, app_server, make_account, user_client, operator, artifacts_dir: Path
) -> None:
    user, client = user_client
    _, page = _console(new_context, app_server, make_account)
    page.get_by_test_id("link-categories").click()
    expect(page).to_have_url(app_server.url + "/operator/categories")
    rows = page.get_by_test_id("category-row")
    expect(rows.first).to_have_attribute("data-slug", "general")
    expect(rows.and_(page.locator('[data-slug="security"]'))).to_have_attribute("data-critical", "true")

    slug = f"billing-{secrets.token_hex(3)}"
    page.get_by_test_id("category-slug").fill(slug)
    page.get_by_test_id("category-name").fill("Billing")
    page.get_by_test_id("category-description").fill("Invoices and payments")
    page.get_by_test_id("category-save").click()
    result = page.get_by_test_id("category-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text(f"Created category {slug}")
    mine = rows.and_(page.locator(f'[data-slug="{slug}"]'))
    expect(mine).to_contain_text("Invoices and payments")
    expect(mine).to_have_attribute("data-critical", "false")
    expect(page.get_by_test_id("category-slug")).to_have_value("")

    # Edit fills the form from the row; saving the same slug updates it.
    mine.get_by_test_id("category-edit").click()
    expect(page.get_by_test_id("category-name")).to_have_value("Billing")
    page.get_by_test_id("category-name").fill("Billing and invoices")
    page.get_by_test_id("category-critical").select_option("critical")
    page.get_by_test_id("category-save").click()
    expect(result).to_contain_text(f"Updated category {slug}")
    expect(mine).to_contain_text("Billing and invoices")
    expect(mine).to_have_attribute("data-critical", "true")

    # The rules, named on the form; nothing changes.
    page.get_by_test_id("category-slug").fill("Not A Slug")
    page.get_by_test_id("category-name").fill("Whatever")
    page.get_by_test_id("category-save").click()
    expect(result).to_have_attribute("data-field", "slug")
    expect(result).to_contain_text("slug: ")
    expect(page.get_by_test_id("category-slug")).to_have_attribute("aria-invalid", "true")
    rows.and_(page.locator('[data-slug="security"]')).get_by_test_id("category-edit").click()
    expect(page.get_by_test_id("category-critical")).to_have_value("critical")
    page.get_by_test_id("category-critical").select_option("mutable")
    page.get_by_test_id("category-save").click()
    expect(result).to_have_attribute("data-field", "critical")
    expect(result).to_contain_text("'security' is always critical")
    page.wait_for_timeout(300)
    page.screenshot(path=artifacts_dir / "operator-categories.png", full_page=True)
    expect(rows.and_(page.locator('[data-slug="security"]'))).to_have_attribute("data-critical", "true")

    # Both saves are audited in the page's operator's name; the refused ones are not.
    events = operator.client.get("/api/audit", params={"limit": 200}).json()["items"]
    audited = [(e["action"], e["actor"][:4]) for e in reversed(events) if e["target"].endswith(f"({slug})")]
    assert audited == [("category_created", "otis"), ("category_changed", "otis")]

    # Users see it: in the API, as an inbox tab, as a preferences row (critical: no mute).
    listed = {c["slug"]: c for c in client.get("/api/categories").json()["categories"]}
    assert listed[slug] == {
        "slug": slug,
        "name": "Billing and invoices",
        "description": "Invoices and payments",
        "critical": True,
        "emailDelayMinutes": 15.0,  # the default "if unread after N minutes" of email (issue 21)
    }
    assert listed["security"]["critical"] is True
    assert "not-a-slug" not in listed and "Not A Slug" not in listed
    reader = new_context()
    sign_in_with_cookie(reader, app_server, user)
    center = open_center(reader)
    expect(center.get_by_test_id(f"category-tab-{slug}")).to_have_text("Billing and invoices")
    prefs = reader.new_page()
    prefs.goto("/preferences")
    expect(prefs.get_by_test_id(f"pref-{slug}-toast")).to_be_visible()


def test_only_operators_open_the_categories_page(new_context, app_server, make_account) -> None:
    visitor = new_context().new_page()
    visitor.goto("/operator/categories")
    expect(visitor).to_have_url(re.compile(r"/login/?\?next=/operator/categories$"))

    context = new_context()
    sign_in_with_cookie(context, app_server, make_account(prefix="ursula"))
    page = context.new_page()
    page.goto("/operator/categories")
    expect(page.get_by_test_id("operator-forbidden")).to_be_visible()
    expect(page.get_by_test_id("categories-table")).to_have_count(0)
    expect(page.get_by_test_id("category-form")).to_have_count(0)
