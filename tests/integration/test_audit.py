"""The audit log over the real app: sign-ins, failed sign-ins, key creation and revocation,
and sends (by an operator and by a key) are recorded, listed newest first a page at a time,
and exported as well-formed CSV in which formula-like cells are defused."""

from __future__ import annotations

import csv
import io
import re
import secrets

import httpx

from notification_center.audit.csv_export import COLUMNS as AUDIT_COLUMNS
from tests.support.processes import AppServer


def _events(operator: httpx.Client, limit: int = 200) -> list[dict]:
    response = operator.get("/api/audit", params={"limit": limit})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_audit_rows_for_sign_in_failure_keys_and_sends(app_server: AppServer, make_account, sign_in):
    op_account = make_account(role="operator", prefix="auditor")
    user = make_account(prefix="erin")
    wrong = httpx.post(app_server.url + "/api/auth/login", json={"username": user.username, "password": "wrong-pass"})
    assert wrong.status_code == 401
    operator = sign_in(op_account)

    key = operator.post("/api/keys", json={"name": "audit-probe"}).json()
    by_operator = operator.post("/api/notifications", json={"title": "Hello from op", "recipients": [user.username]})
    assert by_operator.status_code == 201
    by_key = httpx.post(
        app_server.url + "/api/notifications",
        json={"title": "Hello from key", "recipients": [user.username]},
        headers={"Authorization": f"Bearer {key['secret']}"},
    )
    assert by_key.status_code == 201
    assert operator.delete(f"/api/keys/{key['id']}").status_code == 200

    events = _events(operator)
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)  # newest first
    mine = [e for e in events if e["actor"] in (op_account.username, user.username, "audit-probe")]
    summary = [(e["action"], e["actorType"], e["actor"], e["target"]) for e in reversed(mine)]
    key_label = f"audit-probe ({key['id']})"
    assert summary == [
        ("sign_in_failed", "anonymous", user.username, ""),
        ("sign_in", "user", op_account.username, ""),
        ("key_created", "user", op_account.username, key_label),
        ("notification_sent", "user", op_account.username, "Hello from op"),
        ("notification_sent", "key", "audit-probe", "Hello from key"),
        ("key_revoked", "user", op_account.username, key_label),
    ]
    sent_by_key = next(e for e in mine if e["actorType"] == "key")
    assert sent_by_key["actorId"] == key["id"] and sent_by_key["detail"] == "1 recipient"
    assert all(e["ip"] == "127.0.0.1" for e in mine)


def test_audit_pages_newest_first_without_gaps(app_server, make_account, operator):
    for _ in range(3):
        httpx.post(app_server.url + "/api/auth/login", json={"username": "nobody-here", "password": "wrong-pass"})
    first = operator.get("/api/audit", params={"limit": 2}).json()
    second = operator.get("/api/audit", params={"limit": 2, "before": first["nextCursor"]}).json()
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    assert ids == [e["id"] for e in _events(operator, limit=4)]
    assert operator.get("/api/audit", params={"before": "x"}).json()["field"] == "before"
    assert operator.get("/api/audit", params={"limit": 0}).json()["field"] == "limit"


def test_csv_export_is_well_formed_and_defuses_formulas(app_server, make_account, operator):
    nasty = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)", 'a,"quoted"\nline']
    for name in nasty:
        httpx.post(app_server.url + "/api/auth/login", json={"username": name, "password": "wrong-pass"})
    response = operator.get("/api/audit.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    header, body = rows[0], rows[1:]
    assert header == ["id", "at", "action", "actorType", "actorId", "actor", "target", "detail", "ip"]
    assert all(len(row) == len(header) for row in body)
    actors = [row[header.index("actor")] for row in body if row[header.index("action")] == "sign_in_failed"]
    for name in nasty[:4]:
        assert "'" + name in actors  # a spreadsheet shows it as text, never runs it
    assert 'a,"quoted"\nline' in actors  # commas, quotes and line breaks survive the quoting
    listed = [e["id"] for e in _events(operator, limit=200)]
    exported = [int(row[0]) for row in body]
    assert exported[: len(listed)] == listed  # the same events, newest first


def test_only_operators_read_the_audit_log(app_server, make_account, sign_in):
    user = sign_in(make_account())
    assert user.get("/api/audit").status_code == 403
    assert user.get("/api/audit.csv").status_code == 403
    assert httpx.get(app_server.url + "/api/audit.csv").status_code == 401


def test_csv_export_quotes_every_cell(app_server, make_account, operator):
    """A spreadsheet that splits on `;` (many European locales) must not find a cell starting
    with `=` in an unquoted `x;=1+1;`: every cell is quoted, on top of the formula prefixing."""
    tag = secrets.token_hex(3)
    names = [f"x{tag};=1+1;", f"=y{tag};"]
    for name in names:
        r = httpx.post(app_server.url + "/api/auth/login", json={"username": name, "password": "wrong-pass"})
        assert r.status_code == 401, r.text
    response = operator.get("/api/audit.csv")
    assert response.status_code == 200
    lines = response.text.split("\r\n")
    assert lines[-1] == ""  # ends with a line break
    quoted_cell = r'"(?:[^"]|"")*"'
    all_quoted = re.compile(rf"{quoted_cell}(?:,{quoted_cell})*")
    assert lines[0] == ",".join(f'"{column}"' for column in AUDIT_COLUMNS)
    mine = [line for line in lines if tag in line]
    assert len(mine) == 2, mine
    for line in mine:
        assert all_quoted.fullmatch(line), line
    assert any(f',"x{tag};=1+1;",' in line for line in mine)
    assert any(f',"\'=y{tag};",' in line for line in mine)  # prefixed and quoted
    records = list(csv.reader(io.StringIO(response.text, newline="")))
    actors = [row[5] for row in records if tag in row[5]]
    assert sorted(actors) == sorted([f"x{tag};=1+1;", f"'=y{tag};"])  # the reader gets the text back
