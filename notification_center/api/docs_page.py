"""The API's documentation as one HTML page, rendered from the OpenAPI document.

No script and no outside asset: the page works under the app's strict
Content-Security-Policy and offline. Schemas are shown as their JSON, linked by name.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h2{margin-top:2.5rem;border-bottom:1px solid #d0d7de}section{margin:1.5rem 0}
.m{display:inline-block;min-width:4.5em;font-weight:700;color:#0550ae}.auth{color:#9a6700}
pre{background:#f6f8fa;padding:.75rem;overflow:auto;font-size:13px}table{border-collapse:collapse}
td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
"""


def _schema_link(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        name = escape(ref.rsplit("/", 1)[1])
        return f'<a href="#schema-{name}">{name}</a>'
    return f"<code>{escape(json.dumps(schema))}</code>"


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    auth = ' <span class="auth">(sign-in required)</span>' if op.get("security") else ""
    parts = [f'<section><h3><span class="m">{method.upper()}</span> <code>{escape(path)}</code>{auth}</h3>']
    parts.append(f"<p>{escape(op.get('summary', ''))}</p>")
    if op.get("description"):
        parts.append(f"<p>{escape(op['description'])}</p>")
    if op.get("parameters"):
        rows = "".join(
            f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
            f"<td>{_schema_link(p['schema'])}</td><td>{escape(p.get('description', ''))}</td></tr>"
            for p in op["parameters"]
        )
        parts.append(f"<table><tr><th>parameter</th><th>in</th><th>schema</th><th></th></tr>{rows}</table>")
    if "requestBody" in op:
        for media, content in op["requestBody"]["content"].items():
            parts.append(f"<p>Body ({escape(media)}): {_schema_link(content['schema'])}</p>")
    rows = "".join(
        f"<tr><td>{escape(status)}</td><td>{escape(reply['description'])}</td><td>"
        + ", ".join(f"{escape(media)} {_schema_link(c['schema'])}" for media, c in reply.get("content", {}).items())
        + "</td></tr>"
        for status, reply in op["responses"].items()
    )
    parts.append(f"<table><tr><th>status</th><th>when</th><th>body</th></tr>{rows}</table></section>")
    return "".join(parts)


def render_docs(document: dict[str, Any]) -> str:
    info = document["info"]
    body = [f"<h1>{escape(info['title'])} {escape(info['version'])}</h1><p>{escape(info['description'])}</p>"]
    body.append('<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a></p><h2>Routes</h2>')
    for path, operations in document["paths"].items():
        body.extend(_operation(path, method, op) for method, op in operations.items())
    body.append("<h2>Schemas</h2>")
    for name, schema in document["components"]["schemas"].items():
        body.append(
            f'<h3 id="schema-{escape(name)}">{escape(name)}</h3><pre>{escape(json.dumps(schema, indent=2))}</pre>'
        )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(info["title"])}</title>'
        f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>"
    )
