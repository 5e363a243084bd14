"""Days as the figures count them: UTC days since 1970-01-01."""

from __future__ import annotations

from datetime import date

from grouplink.domain.errors import InvalidParameter

DAY_MS = 86_400_000
LAST_UNIX_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z: the last day a date can name


def clean_unix_seconds(value: int, name: str) -> int:
    """A moment a client names in unix seconds: from 1970 to the end of year 9999."""
    if not 0 <= value <= LAST_UNIX_SECOND:
        raise InvalidParameter(f"{name} must be unix seconds between 0 and {LAST_UNIX_SECOND}")
    return value


def utc_day(at_ms: int) -> int:
    return at_ms // DAY_MS


def day_date(day: int) -> str:
    """``20423`` -> ``"2025-12-01"``."""
    return date.fromordinal(date(1970, 1, 1).toordinal() + day).isoformat()


def day_start_ms(day: int) -> int:
    return day * DAY_MS
