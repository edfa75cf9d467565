"""Preferences over real HTTP: defaults, changes, critical categories that cannot be
muted, validation, and the `preferences` event that tells the user's other tabs."""

from __future__ import annotations

import secrets

from tests.support.sse import StreamReader

# The email choice every category starts with (issue 21): if unread after its 15 minutes.
EMAIL_DEFAULT = {"email": "unread", "emailDelayMinutes": 15.0}


def _category(operator, critical: bool = False) -> str:
    slug = f"pref-{secrets.token_hex(4)}"
    r = operator.post("/api/categories", json={"slug": slug, "name": slug.title(), "critical": critical})
    assert r.status_code == 201, r.text
    return slug


def test_defaults_are_all_on_for_every_category(operator, sign_in, make_account):
    slug = _category(operator)
    body = sign_in(make_account()).get("/api/preferences").json()
    assert {c["slug"] for c in body["categories"]} >= {"general", "security", slug}
    assert body["preferences"][slug] == {
        "toast": True,
        "sound": True,
        "desktop": True,
        "push": "offline",
        **EMAIL_DEFAULT,
    }
    assert set(body["preferences"]) == {c["slug"] for c in body["categories"]}


def test_muting_is_saved_per_user_and_partial_changes_keep_the_rest(operator, sign_in, make_account):
    slug = _category(operator)
    me, other = sign_in(make_account()), sign_in(make_account())
    r = me.put("/api/preferences", json={"preferences": {slug: {"toast": False, "sound": False}}})
    assert r.status_code == 200, r.text
    assert r.json()["preferences"][slug] == {
        "toast": False,
        "sound": False,
        "desktop": True,
        "push": "offline",
        **EMAIL_DEFAULT,
    }
    r = me.put("/api/preferences", json={"preferences": {slug: {"desktop": False}}})
    assert r.json()["preferences"][slug] == {
        "toast": False,
        "sound": False,
        "desktop": False,
        "push": "offline",
        **EMAIL_DEFAULT,
    }
    assert me.get("/api/preferences").json()["preferences"][slug]["toast"] is False
    assert other.get("/api/preferences").json()["preferences"][slug]["toast"] is True  # only mine


def test_a_critical_category_cannot_be_muted(operator, sign_in, make_account):
    critical = _category(operator, critical=True)
    client = sign_in(make_account())
    for slug in ("security", critical):
        r = client.put("/api/preferences", json={"preferences": {slug: {"sound": False}}})
        assert r.status_code == 422, r.text
        assert r.json()["field"] == f"preferences.{slug}"
        assert slug in r.json()["error"] and "muted" in r.json()["error"]
    # Turning it "on" is fine (a no-op); it stays on.
    assert client.put("/api/preferences", json={"preferences": {"security": {"toast": True}}}).status_code == 200
    assert client.get("/api/preferences").json()["preferences"]["security"] == {
        "toast": True,
        "sound": True,
        "desktop": True,
        "push": "offline",
        "email": "always",  # critical: always mails
        "emailDelayMinutes": 15.0,
    }


def test_bad_changes_are_422_and_save_nothing(operator, sign_in, make_account):
    slug = _category(operator)
    client = sign_in(make_account())
    for body, field in (
        ({"preferences": {"no-such-category": {"toast": False}}}, "preferences.no-such-category"),
        ({"preferences": {slug: {"toast": "no"}}}, f"preferences.{slug}.toast"),
        ({"preferences": {slug: {"volume": 3}}}, f"preferences.{slug}.volume"),
        ({"prefs": {}}, "preferences"),
    ):
        r = client.put("/api/preferences", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field, r.json()
    # All or nothing: a good change beside a critical one is not saved either.
    r = client.put("/api/preferences", json={"preferences": {slug: {"toast": False}, "security": {"toast": False}}})
    assert r.status_code == 422
    assert client.get("/api/preferences").json()["preferences"][slug]["toast"] is True


def test_preferences_need_a_session(app_server):
    import httpx

    with httpx.Client(base_url=app_server.url) as anonymous:
        assert anonymous.get("/api/preferences").status_code == 401
        assert anonymous.put("/api/preferences", json={"preferences": {}}).status_code == 401


async def test_a_change_reaches_the_users_other_tabs(app_server, make_account):
    user = make_account()
    op_account = make_account(role="operator", prefix="op")
    async with (
        app_server.async_login(user.username, user.password) as tab,
        app_server.async_login(op_account.username, op_account.password) as op,
    ):
        slug = f"pref-{secrets.token_hex(4)}"
        assert (await op.post("/api/categories", json={"slug": slug, "name": "Live"})).status_code == 201
        other_tab = await StreamReader(tab).start()
        try:
            await other_tab.wait_for(lambda r: r.events)
            r = await tab.put("/api/preferences", json={"preferences": {slug: {"toast": False}}})
            assert r.status_code == 200
            await other_tab.wait_for(lambda r: r.of_type("preferences"))
            event = other_tab.of_type("preferences")[0].data
            assert event["preferences"][slug] == {
                "toast": False,
                "sound": True,
                "desktop": True,
                "push": "offline",
                **EMAIL_DEFAULT,
            }
        finally:
            await other_tab.close()
