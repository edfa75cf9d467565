"""The operator console's forms as the services' inputs: the send form's optional fields
become the API's body keys; the categories form's fields and the category rules."""

from __future__ import annotations

import pytest

from notification_center.categories import service as categories
from notification_center.state.categories_state import form_fields
from notification_center.state.operator_state import form_body


def test_send_form_optional_fields_become_the_api_keys() -> None:
    form = {
        "title": "t",
        "recipients": "bob",
        "category": "deploys",
        "url": " /builds/42 ",
        "group_key": "build-42",
        "ttl_seconds": "3600",
    }
    body = form_body(form)
    assert {k: body[k] for k in ("category", "url", "groupKey", "ttlSeconds")} == {
        "category": "deploys",
        "url": "/builds/42",
        "groupKey": "build-42",
        "ttlSeconds": 3600,
    }
    # Empty optional fields are left out, so the API's defaults (general, no link...) apply.
    empty = form_body(
        {"title": "t", "recipients": "bob", "category": "", "url": " ", "group_key": "", "ttl_seconds": ""}
    )
    assert not {"category", "url", "groupKey", "ttlSeconds"} & empty.keys()
    # Not a whole number: passed on as typed, for the send's validation to name `ttlSeconds`.
    assert form_body({"recipients": "bob", "ttl_seconds": "1.5"})["ttlSeconds"] == "1.5"


def test_categories_form_fields() -> None:
    assert form_fields({"slug": " ops ", "name": "Ops", "critical": "critical"}) == ("ops", "Ops", "", True)
    assert form_fields({"slug": "ops", "name": "Ops", "description": "d", "critical": "mutable"})[3] is False
    assert form_fields({})[3] is False


@pytest.mark.parametrize(
    ("slug", "name", "description", "field"),
    [
        ("Not A Slug", "n", "", "slug"),
        ("", "n", "", "slug"),
        ("-x", "n", "", "slug"),
        ("ok", "  ", "", "name"),
        ("ok", "n" * 65, "", "name"),
        ("ok", "n", "d" * 501, "description"),
    ],
)
def test_category_field_rules_name_the_field(slug: str, name: str, description: str, field: str) -> None:
    with pytest.raises(categories.CategoryRuleError) as caught:
        categories.check_fields(slug=slug, name=name, description=description)
    assert caught.value.field == field and caught.value.message.startswith(f"{field}: ")


def test_category_fields_within_the_rules_pass() -> None:
    categories.check_fields(slug="ops_2-x", name="Ops", description="d" * 500)


async def test_a_big_send_tells_the_operator_it_goes_on_in_the_background(monkeypatch) -> None:
    from notification_center.audit.service import Actor
    from notification_center.scheduling import bulk_sends, scheduled_sends
    from notification_center.state import operator_state

    async def accepted(body, *, actor, ip=None):
        assert body["recipients"] == "all"
        return bulk_sends.Accepted("send_x", 12_000)

    monkeypatch.setattr(scheduled_sends, "send_or_schedule", accepted)
    outcome = await operator_state.send_notification({"title": "t", "recipients": "all"}, Actor("user", "user_1", "op"))
    assert outcome.ok
    assert outcome.message == "Sending to 12,000 users in the background; the history shows how far."
