"""The UI's snooze presets as times, in the person's own time zone (pure, unit-tested)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

PRESETS = ("1h", "tonight", "tomorrow", "next-week")
EVENING = time(20, 0)
MORNING = time(8, 0)


def snooze_until(preset: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When a preset ends, from an aware `now`: "1h" an hour on; "tonight" 8 pm today (or an
    hour on, when that is later); "tomorrow" 8 am tomorrow; "next-week" 8 am next Monday.
    ValueError for an unknown preset."""
    local = now.astimezone(zone)
    if preset == "1h":
        return now + timedelta(hours=1)
    if preset == "tonight":
        evening = datetime.combine(local.date(), EVENING, tzinfo=zone)
        return max(evening, local + timedelta(hours=1))
    if preset == "tomorrow":
        return datetime.combine(local.date() + timedelta(days=1), MORNING, tzinfo=zone)
    if preset == "next-week":
        days = 7 - local.weekday()  # Monday next week, also when today is a Monday
        return datetime.combine(local.date() + timedelta(days=days), MORNING, tzinfo=zone)
    raise ValueError(f"unknown snooze preset {preset!r}")
