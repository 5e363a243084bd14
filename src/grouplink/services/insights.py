"""What a group's links did, per link and UTC day (WIRE.md, Insights)."""

from __future__ import annotations

from dataclasses import dataclass

from grouplink.domain.days import DAY_MS, clean_unix_seconds, day_date, utc_day
from grouplink.domain.errors import InvalidParameter
from grouplink.domain.permissions import Ability
from grouplink.services.core import Actor, Core
from grouplink.services.groups import authorize, readable_group
from grouplink.store import figures, links

DEFAULT_DAYS = 30
LONGEST_DAYS = 5 * 366  # a window longer than this is refused: one page holds it


@dataclass(frozen=True, slots=True)
class Figures:
    opens: int = 0
    join_requests: int = 0
    joined: int = 0
    approved: int = 0
    rejected: int = 0
    left: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in figures.FIGURES)


@dataclass(frozen=True, slots=True)
class DayFigures:
    date: str  # YYYY-MM-DD, UTC
    invite_link_id: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class Insights:
    since: int  # unix ms: the window's first day starts here...
    until: int  # ...and its last day ends here (exclusive)
    days: list[DayFigures]  # one a link and day with any activity, by day then link
    totals: Figures


def window(now_ms: int, since_s: int | None, until_s: int | None) -> tuple[int, int]:
    """The window's first and last UTC day; by default the last 30 days, today included."""
    until = now_ms if until_s is None else clean_unix_seconds(until_s, "until") * 1000
    if since_s is None:
        since = until - (DEFAULT_DAYS - 1) * DAY_MS
    else:
        since = clean_unix_seconds(since_s, "since") * 1000
    if since > until:
        raise InvalidParameter("since must not be after until")
    first, last = utc_day(since), utc_day(until)
    if last - first + 1 > LONGEST_DAYS:
        raise InvalidParameter(f"The window may cover at most {LONGEST_DAYS} days")
    return first, last


async def insights(
    core: Core,
    business_id: str,
    group_id: str,
    actor: Actor,
    *,
    since_s: int | None = None,
    until_s: int | None = None,
    link_id: str | None = None,
) -> Insights:
    """The group's figures, or one link's, over a window of whole UTC days."""
    first, last = window(core.clock(), since_s, until_s)
    group = await readable_group(core, business_id, group_id)
    async with core.db.read() as conn:
        await authorize(conn, group, actor, Ability.MANAGE_LINK)
        link_pk = None
        if link_id is not None:
            link = await links.find_by_id(conn, group.pk, link_id)
            if link is None:
                raise InvalidParameter(f"No invite link with id {link_id} in this group")
            link_pk = link.pk
        rows = await figures.days_of_group(conn, group.pk, first, last, link_pk)
    days = [
        DayFigures(day_date(r.day), r.link_id, Figures(*(getattr(r, n) for n in figures.FIGURES)))
        for r in rows
    ]
    totals = sum((d.figures for d in days), Figures())
    return Insights(first * DAY_MS, (last + 1) * DAY_MS, days, totals)
