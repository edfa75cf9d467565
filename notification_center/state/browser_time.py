"""The browser's time zone, which pages ask for once (a script) to read local times."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BROWSER_TIME_ZONE_JS = "Intl.DateTimeFormat().resolvedOptions().timeZone"
UTC_ZONE = ZoneInfo("UTC")


def zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone of that name, or None when it is empty or unknown."""
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None
