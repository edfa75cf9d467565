"""Which links a notification may carry (its `url`, its actions' `url`), checked at send
time so nothing unsafe is ever stored: http(s) with a host, or a path on this site.

Browsers read `//host` and `/\\host` as other sites and drop tabs and newlines inside
`java\tscript:`, so backslashes, whitespace and control characters are refused outright.
Pure: the send schema and the tests use it without a database.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

URL_MAX = 2000
MAX_ACTIONS = 2
ACTION_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_UNSAFE = re.compile(r"[\s\x00-\x20\x7f-\x9f\\]")


def url_problem(value: str) -> str | None:
    """Why `value` may not be a notification's link, or None if it may."""
    if not value or len(value) > URL_MAX:
        return f"must be 1 to {URL_MAX} characters"
    if _UNSAFE.search(value):
        return "must not contain spaces, control characters or backslashes"
    if value.startswith("/"):
        return "must be a path on this site (one leading slash), not //host" if value.startswith("//") else None
    try:
        parts = urlsplit(value)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an http(s) URL or a path on this site starting with /"
    if not parts.hostname:
        return "must name a host (http(s)://host/...)"
    return None
