"""Keys are stored as a hash only and checked in constant shape; CSV cells that a
spreadsheet would run as formulas are defused."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, timedelta

import pytest
from sqlmodel import Session, SQLModel, create_engine, select

from notification_center.audit import service as audit
from notification_center.audit.csv_export import csv_lines, neutralize
from notification_center.keys import service as keys
from notification_center.models import ApiKey, AuditEvent, utcnow


@pytest.fixture
def session() -> Session:
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_only_the_secrets_sha256_is_stored(session: Session):
    created = keys.create_key(session=session, name=" ci ", actor=audit.CLI)
    session.commit()
    row = session.get(ApiKey, created.key.id)
    secret_part = created.secret.removeprefix(f"nck_{row.id}_")
    assert len(secret_part) == 43  # 32 random bytes
    assert row.secret_hash == hashlib.sha256(secret_part.encode()).hexdigest()
    assert secret_part not in repr(row.model_dump()) and row.name == "ci"
    assert keys.authenticate_key(session=session, presented=created.secret).id == row.id


def test_last_used_is_written_at_most_once_a_minute(session: Session):
    created = keys.create_key(session=session, name="busy", actor=audit.CLI)
    keys.authenticate_key(session=session, presented=created.secret)
    first = created.key.last_used_at
    assert first is not None
    keys.authenticate_key(session=session, presented=created.secret)
    assert created.key.last_used_at == first  # within the minute: no new write
    created.key.last_used_at = first - timedelta(seconds=61)
    keys.authenticate_key(session=session, presented=created.secret)
    assert created.key.last_used_at > first - timedelta(seconds=1)


def test_key_checks_say_why(session: Session):
    created = keys.create_key(session=session, name="k", actor=audit.CLI, expires_at=utcnow() + timedelta(hours=1))
    other = keys.create_key(session=session, name="other", actor=audit.CLI)
    swapped = f"nck_{created.key.id}_{other.secret[-43:]}"
    for presented, reason in [("nope", "malformed"), (swapped, "unknown"), (created.secret + "x", "malformed")]:
        with pytest.raises(keys.KeyAuthError, match=reason):
            keys.authenticate_key(session=session, presented=presented)
    created.key.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(keys.KeyAuthError, match="expired"):
        keys.authenticate_key(session=session, presented=created.secret)
    keys.revoke_key(session=session, key_id=other.key.id, actor=audit.CLI)
    with pytest.raises(keys.KeyAuthError, match="revoked"):
        keys.authenticate_key(session=session, presented=other.secret)
    session.flush()
    actions = list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["key_created", "key_created", "key_revoked"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
        (7, "7"),
    ],
)
def test_formula_cells_get_a_leading_apostrophe(value, cell):
    assert neutralize(value) == cell


def test_csv_lines_quote_what_needs_quoting():
    text = "".join(csv_lines([{"id": 1, "actor": 'a,"b"\nc', "target": "=cmd"}]))
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert row[header.index("actor")] == 'a,"b"\nc' and row[header.index("target")] == "'=cmd"


def test_a_key_expiry_is_stored_in_utc_and_bounded(session: Session):
    from datetime import datetime, timezone

    plus_five = timezone(timedelta(hours=5))
    when = (utcnow() + timedelta(days=30)).astimezone(plus_five)
    created = keys.create_key(session=session, name="tz", actor=audit.CLI, expires_at=when)
    session.flush()
    session.expire_all()  # read back what SQLite holds
    stored = session.get(ApiKey, created.key.id).expires_at
    assert stored.replace(tzinfo=UTC) == when.astimezone(UTC).replace(microsecond=stored.microsecond)
    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))
    with pytest.raises(keys.KeyInputError, match="expiresAt: must be at most 5 years"):
        keys.create_key(session=session, name="forever", actor=audit.CLI, expires_at=far)
