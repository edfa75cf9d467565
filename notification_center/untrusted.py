"""Untrusted text on its way into Reflex: the one rule that makes it inert.

Reflex 0.10.1 reads the sequence `<reflex.Var>` inside any Python string that becomes a
Var (every server-side toast, `call_script`, `redirect`, `set_value` and component) as an
embedded reference to a compiled Var. On text it did not write itself,
`LiteralStringVar.create` loops forever on the event loop (the whole worker freezes and
ignores SIGTERM), or splices a compiled JavaScript expression into what the browser runs.
0.10.1 is the newest release, so the product defends itself: text that did not come from
this code (notification fields, client payloads, database rows) passes through `inert`
before a Var is built from it, and values spliced into browser scripts are written with
`js_literal`. `state/browser_events.py` is the only module that builds such events, and
it applies both; the session guard applies `inert_payload` to every event payload.
"""

from __future__ import annotations

import json
from typing import Any

# Reflex's tag (reflex_base.constants.REFLEX_VAR_OPENING_TAG); without it, Reflex never
# looks for an embedded Var, so breaking this one sequence is enough.
VAR_TAG = "<reflex.Var>"
# The same text to a reader: a WORD JOINER (U+2060, invisible, zero width) after "<".
_BROKEN_TAG = "<\u2060reflex.Var>"
_JS_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def inert(text: str) -> str:
    """`text` as it reads, with every Reflex Var tag broken (safe for any Var)."""
    while VAR_TAG in text:  # one pass suffices; the loop only makes that obvious
        text = text.replace(VAR_TAG, _BROKEN_TAG)
    return text


def inert_value(value: Any) -> Any:
    """`inert` applied to every string (keys too) inside JSON-like data."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {inert(k) if isinstance(k, str) else k: inert_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert_value(v) for v in value]
    return value


def inert_payload(payload: dict[str, Any]) -> None:
    """Neutralise an event payload in place (Reflex's Event is frozen; its dict is not)."""
    cleaned = inert_value(payload)
    payload.clear()
    payload.update(cleaned)


def js_literal(value: Any) -> str:
    """A JavaScript literal of JSON data, lossless, that can hold no Var tag and cannot
    end a `<script>` element: `<`, `>` and `&` are written as `\\u` escapes."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).translate(_JS_ESCAPES)
