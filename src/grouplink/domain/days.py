"""Days as the figures count them: UTC days since 1970-01-01."""

from __future__ import annotations

from datetime import date

DAY_MS = 86_400_000


def utc_day(at_ms: int) -> int:
    return at_ms // DAY_MS


def day_date(day: int) -> str:
    """``20423`` -> ``"2025-12-01"``."""
    return date.fromordinal(date(1970, 1, 1).toordinal() + day).isoformat()


def day_start_ms(day: int) -> int:
    return day * DAY_MS
