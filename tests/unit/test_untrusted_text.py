"""Untrusted text cannot reach Reflex's Var parser as a Var tag (notification_center/untrusted.py),
and no module but components/browser_events.py builds browser events from strings."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from notification_center.components import alerts, browser_events
from notification_center.untrusted import VAR_TAG, inert, inert_payload, js_literal

PACKAGE = Path(__file__).resolve().parents[2] / "notification_center"
HOSTILE = [
    f"{VAR_TAG}x</reflex.Var>",
    f"{VAR_TAG}0</reflex.Var>",
    f"{VAR_TAG}</reflex.Var>",
    f"a{VAR_TAG}{VAR_TAG}-1</reflex.Var>b",
    f"<{VAR_TAG}reflex.Var>",
]


def _in_subprocess(code: str) -> subprocess.CompletedProcess:
    """Reflex's parser loops forever on a live tag: a hang must fail the test, not stop it."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_the_hazard_is_real_so_the_guard_matters() -> None:
    tag = VAR_TAG + "x</reflex.Var>"
    code = f"from reflex_base.vars.sequence import LiteralStringVar; LiteralStringVar.create({tag!r})"
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=5)


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_text_reads_the_same_and_holds_no_tag(text: str) -> None:
    out = inert(text)
    assert VAR_TAG not in out
    assert out.replace("\u2060", "") == text


def test_every_string_of_a_payload_is_made_inert_keys_included() -> None:
    payload = {"a": [HOSTILE[0], {HOSTILE[1]: 1.5, "n": None}], HOSTILE[2]: True}
    inert_payload(payload)
    assert VAR_TAG not in json.dumps(payload, ensure_ascii=False)
    assert payload["a"][1]["n"] is None and next(iter(payload["a"][1].values())) == 1.5


def test_js_literal_is_lossless_and_cannot_close_a_script() -> None:
    value = {"t": "</script><reflex.Var>x</reflex.Var>&\u2028"}
    literal = js_literal(value)
    assert "<" not in literal and ">" not in literal and "&" not in literal
    assert json.loads(literal) == value


def test_browser_events_from_hostile_text_build_at_once() -> None:
    code = f"""
from notification_center.components import alerts, browser_events
from notification_center.state.notifications_state import NotificationView
for text in {HOSTILE!r}:
    item = NotificationView(id=text, title=text, content=text, type="alert", priority="urgent")
    alerts.toast(item); alerts.desktop(item)
    browser_events.toast("warning", text, description=text, id=text)
    browser_events.redirect("/" + text); browser_events.set_value("x", text)
    browser_events.script("f(__V__)", v=text)
print("ok")
"""
    done = _in_subprocess(code)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


# The Reflex calls that turn a Python string into a Var in an event sent to the browser.
_BUILDERS = {"toast", "call_script", "call_function", "redirect", "set_value", "window_alert", "console_log"}


def _builder_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _BUILDERS and getattr(node.value, "id", "") == "rx":
            found.append(f"{path.name}:{node.lineno} rx.{node.attr}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reflex"):
            found += [f"{path.name}:{node.lineno} import {a.name}" for a in node.names if a.name in _BUILDERS]
    return found


def test_only_browser_events_builds_events_from_strings() -> None:
    offenders = [
        use for path in PACKAGE.rglob("*.py") if path.name != "browser_events.py" for use in _builder_uses(path)
    ]
    assert offenders == []
    assert _builder_uses(PACKAGE / "components" / "browser_events.py")  # the scan sees them


def test_alert_events_carry_the_text_inert() -> None:
    from notification_center.state.notifications_state import NotificationView

    item = NotificationView(id="n1", title=HOSTILE[0], content=HOSTILE[1])
    assert VAR_TAG not in str(alerts.toast(item)) and VAR_TAG not in alerts.desktop_script(item)
    assert VAR_TAG not in str(browser_events.toast("info", HOSTILE[0]))
