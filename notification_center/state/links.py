"""A notification's links (`url`, `actions`) as the UI renders them.

Only http(s) URLs and paths on this site are ever rendered as links, nothing else.

Send-time validation refuses anything else already; this is the second line for the
browser, so a row stored before that validation (or written by other means) can never
become a `javascript:` or `data:` link. Pure, so it is unit-tested without Reflex.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
MAX_ACTIONS = 2  # the "up to two action buttons"
MAX_LABEL_LENGTH = 80
# Browsers drop these anywhere in a URL, so "java\tscript:" must be judged without them.
_STRIPPED = str.maketrans("", "", "\t\n\r")


def safe_href(value: object) -> str:
    """`value` if it is an http(s) URL with a host or a same-site absolute path, else ""."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if not url or len(url) > MAX_URL_LENGTH or url != url.translate(_STRIPPED) or "\\" in url:
        return ""
    if url.startswith("/"):
        # "//host" is another site (scheme-relative), not a path.
        return url if not url.startswith("//") else ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return url
    return ""


def is_external(href: str) -> bool:
    """For a `safe_href` result: a full URL (opens in a new tab), not a path on this site."""
    return bool(href) and not href.startswith("/")


@dataclasses.dataclass(frozen=True)
class ActionView:
    """One action button: `url` (safe, or "") opens a link; without one, the button
    reports the choice to the action callback route."""

    id: str = ""
    label: str = ""
    url: str = ""
    url_external: bool = False


def actions_from_wire(value: Any) -> list[ActionView]:
    """The wire's `actions` (list of {"id","label","url"?}), malformed entries left out.

    An entry whose `url` is present but unsafe is dropped whole, rather than turned into a
    callback button the sender never meant."""
    if not isinstance(value, list):
        return []
    found: list[ActionView] = []
    for entry in value:
        if not isinstance(entry, dict):
            continue
        action_id, label, raw_url = entry.get("id"), entry.get("label"), entry.get("url")
        if not isinstance(action_id, str) or not action_id or not isinstance(label, str) or not label.strip():
            continue
        href = safe_href(raw_url) if raw_url not in (None, "") else ""
        if raw_url not in (None, "") and not href:
            continue
        found.append(ActionView(action_id, label.strip()[:MAX_LABEL_LENGTH], href, is_external(href)))
    return found[:MAX_ACTIONS]
