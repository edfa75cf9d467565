"""Categories over real HTTP: operators define them, everyone signed in lists them, a send
names one (default `general`; unknown is 422), and the list filters by it."""

from __future__ import annotations

import secrets


def _slug(prefix: str = "cat") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def test_general_and_security_exist_and_any_user_may_list(sign_in, make_account):
    client = sign_in(make_account())
    r = client.get("/api/categories")
    assert r.status_code == 200
    by_slug = {c["slug"]: c for c in r.json()["categories"]}
    assert r.json()["categories"][0]["slug"] == "general"
    assert by_slug["general"]["critical"] is False
    assert by_slug["security"]["critical"] is True


def test_operators_create_and_update_categories(operator, sign_in, make_account):
    slug = _slug()
    created = operator.post("/api/categories", json={"slug": slug, "name": "Billing", "description": "Invoices"})
    assert created.status_code == 201, created.text
    assert created.json() == {
        "slug": slug,
        "name": "Billing",
        "description": "Invoices",
        "critical": False,
        "emailDelayMinutes": 15.0,
    }
    updated = operator.post("/api/categories", json={"slug": slug, "name": "Billing & plans", "critical": True})
    assert updated.status_code == 200 and updated.json()["critical"] is True
    listed = {c["slug"]: c for c in sign_in(make_account()).get("/api/categories").json()["categories"]}
    assert listed[slug]["name"] == "Billing & plans"
    # Both saves are in the audit log, in the operator's name.
    me = operator.get("/api/auth/me").json()["username"]
    events = operator.get("/api/audit", params={"limit": 200}).json()["items"]
    mine = [(e["action"], e["actor"], e["detail"]) for e in reversed(events) if e["target"].endswith(f"({slug})")]
    assert mine == [
        ("category_created", me, "users may mute it"),
        ("category_changed", me, "critical (can't be muted)"),
    ]


def test_only_operators_define_categories_and_input_is_checked(operator, sign_in, make_account):
    user = sign_in(make_account())
    assert user.post("/api/categories", json={"slug": _slug(), "name": "X"}).status_code == 403
    for body, field in (
        ({"slug": "Not A Slug", "name": "X"}, "slug"),
        ({"slug": "x" * 33, "name": "X"}, "slug"),
        ({"slug": _slug(), "name": ""}, "name"),
        ({"slug": _slug(), "name": "X", "critical": "yes"}, "critical"),
        ({"slug": "security", "name": "Security", "critical": False}, "critical"),
    ):
        r = operator.post("/api/categories", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field
    security = {c["slug"]: c for c in user.get("/api/categories").json()["categories"]}["security"]
    assert security["critical"] is True  # unchanged


def test_send_with_category_and_the_list_filters_by_it(operator, sign_in, make_account):
    slug = _slug()
    assert operator.post("/api/categories", json={"slug": slug, "name": "Deploys"}).status_code == 201
    account = make_account()
    client = sign_in(account)
    plain = operator.post("/api/notifications", json={"title": "plain", "recipients": [account.username]})
    tagged = operator.post(
        "/api/notifications", json={"title": "tagged", "recipients": [account.username], "category": slug}
    )
    assert plain.status_code == tagged.status_code == 201
    items = client.get("/api/notifications").json()["items"]
    assert [(i["title"], i["category"]) for i in items] == [("tagged", slug), ("plain", "general")]
    only = client.get("/api/notifications", params={"category": slug}).json()["items"]
    assert [i["title"] for i in only] == ["tagged"]


def test_unknown_or_malformed_category_is_422_and_sends_nothing(operator, sign_in, make_account):
    account = make_account()
    for category in ("no-such-category", "Bad Slug"):
        r = operator.post(
            "/api/notifications", json={"title": "x", "recipients": [account.username], "category": category}
        )
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "category"
    assert sign_in(account).get("/api/notifications").json()["items"] == []
