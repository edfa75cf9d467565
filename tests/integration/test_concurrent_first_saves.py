"""First saves that race another transaction, on real SQLite and PostgreSQL: a category
created by another operator, or a user's first preference saved from another tab, between
this save's look-up and its insert. The save goes on as an update, never a 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from notification_center.categories import service as categories
from notification_center.models import Category, Preference, User, utcnow
from notification_center.preferences import service as preferences

# The email choice every category starts with (issue 21): if unread after its 15 minutes.
EMAIL_DEFAULT = {"email": "unread", "emailDelayMinutes": 15.0}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_category_created_meanwhile_is_updated(engine_with_users, backend: str) -> None:
    engine: sa.Engine = engine_with_users(backend, 1)
    with Session(engine) as session:
        looked_up = session.get

        def get_then_lose_the_race(model, key):
            found = looked_up(model, key)
            if found is None:
                with Session(engine) as other:
                    other.add(Category(slug=key, name="Theirs", created_at=utcnow(), updated_at=utcnow()))
                    other.commit()
            return found

        session.get = get_then_lose_the_race  # type: ignore[method-assign]
        info, created = categories.save_category(
            session=session, slug="billing", name="Ours", description="", critical=False
        )
        session.commit()
    assert (info.name, created) == ("Ours", False)
    with Session(engine) as session:
        assert session.get(Category, "billing").name == "Ours"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_first_preference_saved_meanwhile_by_another_tab_is_updated(
    engine_with_users, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine: sa.Engine = engine_with_users(backend, 1)
    with Session(engine) as session:
        user_id = session.exec(select(User.id)).one()
        categories.save_category(session=session, slug="news", name="News", description="", critical=False)
        session.commit()
    raced = []

    real_exec = Session.exec

    def exec_then_lose_the_race(self, statement, *args, **kwargs):
        result = real_exec(self, statement, *args, **kwargs)
        if not raced and "preferences.category" in str(statement):  # the look-up of existing rows
            raced.append(True)
            with Session(engine) as other:  # the other tab's first save commits now
                other.add(Preference(user_id=user_id, category="news", toast=True, sound=False, desktop=True))
                other.commit()
        return result

    monkeypatch.setattr(Session, "exec", exec_then_lose_the_race)
    with Session(engine) as session:
        saved = preferences.update(session=session, user_id=user_id, changes={"news": {"toast": False}})
        session.commit()
    assert raced
    assert saved["preferences"]["news"] == {
        "toast": False,
        "sound": False,
        "desktop": True,
        "push": "offline",
        **EMAIL_DEFAULT,
    }
