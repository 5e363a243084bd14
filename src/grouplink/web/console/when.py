"""A moment chosen on a form: a few quick choices, or a date and time in UTC.

The console's forms turn the choice into unix seconds for the Graph-named bodies
that the domain checks (``expire_time``, ``paused_until``): whether the moment is
in the future, and how far, is the domain's to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.link_settings import KEEP, Keep

KEEP_CHOICE = "keep"  # leave the moment as it is (edits only)
NONE_CHOICE = "none"  # never expire, or not paused
AT_CHOICE = "at"  # the date and time typed beside the choice

_SPANS = {"1h": 3_600, "1d": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400}
_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class Chooser:
    """The words of one chooser; the values are the module's choices."""

    none: str
    spans: tuple[str, str, str, str]  # for 1 hour, 1 day, 7 days, 30 days
    at: str

    def options(self, kept: str = "") -> list[tuple[str, str]]:
        """(value, label) of each choice; ``kept`` (what it is now) offers to keep it."""
        first = [(KEEP_CHOICE, f"As it is: {kept}")] if kept else []
        spans = list(zip(_SPANS, self.spans, strict=True))
        return [*first, (NONE_CHOICE, self.none), *spans, (AT_CHOICE, self.at)]


EXPIRY = Chooser(
    none="Never",
    spans=("In 1 hour", "In 1 day", "In 7 days", "In 30 days"),
    at="At the date and time below",
)
PAUSE = Chooser(
    none="Not paused",
    spans=("For 1 hour", "For 1 day", "For 7 days", "For 30 days"),
    at="Until the date and time below",
)


def chosen_seconds(choice: str, at: str, now_ms: int) -> int | Keep | None:
    """Unix seconds of the chosen moment; None for "never" or "not paused"."""
    if choice in ("", KEEP_CHOICE):
        return KEEP
    if choice == NONE_CHOICE:
        return None
    if choice in _SPANS:
        return now_ms // 1000 + _SPANS[choice]
    if choice == AT_CHOICE:
        return _utc_seconds(at)
    raise InvalidParameter(f"Unknown choice '{choice}'")


def _utc_seconds(text: str) -> int:
    for shape in _FORMATS:
        try:
            moment = datetime.strptime(text.strip(), shape).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(moment.timestamp())
    raise InvalidParameter("Give a date and a time (UTC), such as 2026-12-31 18:00")
