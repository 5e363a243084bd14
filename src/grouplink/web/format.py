"""How things read on a page: phone numbers, counts, initials, avatar colours."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import phonenumbers

PALETTE_SIZE = 8


def display_phone(wa_id: str) -> str:
    """``15550100001`` -> ``+1 555-010-0001`` (as the person would write it)."""
    try:
        number = phonenumbers.parse("+" + wa_id)
    except phonenumbers.NumberParseException:
        return "+" + wa_id
    formatted: str = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return formatted


def participants(count: int) -> str:
    return "1 participant" if count == 1 else f"{count} participants"


def initials(subject: str) -> str:
    words = [w for w in subject.split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]) or subject.strip()[:1] or "?"
    return letters.upper()


def tint(key: str) -> int:
    """A stable colour (0..7) for a group, the same on the page and in its default picture."""
    return hashlib.sha256(key.encode()).digest()[0] % PALETTE_SIZE


def summary(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def date(ms: int) -> str:
    """``1763700000000`` -> ``21 Nov 2025`` (UTC: the server knows no visitor's zone)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%-d %b %Y")


def moment(ms: int) -> str:
    """``1763700000000`` -> ``21 Nov 2025, 04:40 UTC``: a date with its time, said in UTC."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%-d %b %Y, %H:%M UTC")


def ago(ms: int, now_ms: int) -> str:
    """How long before ``now_ms`` ``ms`` was: ``just now``, ``5 minutes ago``, ``2 hours
    ago``, ``3 days ago``; past four weeks, the date (``21 Nov 2025``)."""
    seconds = max(0, now_ms - ms) // 1000
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        n = seconds // size
        if n:
            return (
                date(ms) if unit == "day" and n > 28 else f"{n} {unit}{'s' if n != 1 else ''} ago"
            )
    return "just now"  # not reached: 60 seconds or more is at least a minute


def iso_moment(ms: int) -> str:
    """``1763700000000`` -> ``2025-11-21T04:40:00Z``: a ``<time datetime>`` in UTC."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def waiting_time(ms: int) -> str:
    """``900000`` -> ``15 minutes``, ``5400000`` -> ``1 hour 30 minutes``: rounded up to
    whole minutes."""
    minutes = max(1, -(-ms // 60_000))
    hours, minutes = divmod(minutes, 60)
    said = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(said)


def datetime_field(ms: int | None) -> str:
    """The value of a ``datetime-local`` field for ``ms``, in UTC to the minute; "" for none."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M")


def link_title(name: str, is_primary: bool) -> str:
    """What a link is called on a page: its name, else what it is."""
    return name or ("Main link" if is_primary else "Unnamed link")


def came_through(name: str, is_primary: bool, working: bool) -> str:
    """``via Poster at the library``: the link a person joined or asked through."""
    if name:
        return f"via {name}"
    if is_primary:
        return "via main link"
    return "via an unnamed link" if working else "via an earlier link"


def joined_of(joined: int, limit: int | None) -> str:
    """``3 of 10 joined``: the people a link let in, against its limit if it has one."""
    return f"{joined} of {limit:,} joined" if limit is not None else f"{joined} joined"


def people(count: int) -> str:
    return "1 person" if count == 1 else f"{count:,} people"


def link_count(count: int) -> str:
    return "1 link" if count == 1 else f"{count:,} links"


def visitors(count: int) -> str:
    return "1 visitor" if count == 1 else f"{count:,} visitors"


def day_month(iso_date: str) -> str:
    """``2026-12-01`` -> ``1 Dec``: a day on a chart's axis."""
    return datetime.strptime(iso_date, "%Y-%m-%d").strftime("%-d %b")


def day(iso_date: str) -> str:
    """``2026-12-01`` -> ``1 Dec 2026``."""
    return datetime.strptime(iso_date, "%Y-%m-%d").strftime("%-d %b %Y")


def percent(part: int, whole: int) -> str:
    """``percent(1, 3)`` -> ``33%``; "" when there is no whole to take a share of."""
    return f"{round(100 * part / whole)}%" if whole else ""
