"""The "Insights" screen: what the group's links did per UTC day over a window (the last
7, 30 or 90 days, or between two dates, chosen with a plain GET form), as a chart with a
table of the same figures, the links from most to fewest joined, and a CSV download;
and the same for one link. The figures are the Graph API's insights
(:mod:`grouplink.services.insights`), which need ``Ability.MANAGE_LINK``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from grouplink.domain.days import DAY_MS, day_date
from grouplink.domain.errors import InvalidParameter, NotFound
from grouplink.domain.permissions import Ability
from grouplink.services import insights, invite_links
from grouplink.services.insights import Figures, Insights
from grouplink.services.invite_links import LinkDetails
from grouplink.services.overview import GroupView
from grouplink.web import format
from grouplink.web.console import chart, link_view
from grouplink.web.console.audit import safe_cell
from grouplink.web.console.common import Console, ConsoleDep, group_frame, group_path, load_group

router = APIRouter()

DATES = "dates"
WINDOWS = (
    ("7", "Last 7 days"),
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    (DATES, "Between the dates below"),  # last: console.js shows the dates only with it
)
DEFAULT_WINDOW = "30"
LONGEST_DAYS = 366  # a year a page: the chart and the table stay readable
LINKS_PAGE = 100
COLUMNS = (  # the figures in the table, in the funnel's order
    ("opens", "Opened"),
    ("join_requests", "Asked to join"),
    ("joined", "Joined"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("left", "Left"),
)
CSV_HEADER = ("date", "invite_link_id", "link_name", *(name for name, _ in COLUMNS))


@dataclass(frozen=True, slots=True)
class Window:
    """The window as the form sends it: a choice of ``WINDOWS``, and its dates if ``DATES``."""

    days: str = DEFAULT_WINDOW
    since: str = ""  # YYYY-MM-DD, UTC
    until: str = ""

    def seconds(self, now_ms: int) -> tuple[int, int | None]:
        """The unix seconds the insights take: of the first day, and of the last (None: today)."""
        if self.days != DATES:
            return now_ms // 1000 - (int(self.days) - 1) * DAY_MS // 1000, None
        first, last = _day_seconds(self.since, "first"), _day_seconds(self.until, "last")
        if first > last:
            raise InvalidParameter("The first day must not be after the last")
        if (last - first) * 1000 // DAY_MS + 1 > LONGEST_DAYS:
            raise InvalidParameter(f"Choose at most {LONGEST_DAYS} days")
        return first, last

    def query(self) -> str:
        dates = {"since": self.since, "until": self.until} if self.days == DATES else {}
        return "?" + urlencode({"days": self.days, **dates})


def window_of(days: str = DEFAULT_WINDOW, since: str = "", until: str = "") -> Window:
    return Window(days if days in dict(WINDOWS) else DEFAULT_WINDOW, since.strip(), until.strip())


WindowDep = Annotated[Window, Depends(window_of)]


@dataclass(frozen=True, slots=True)
class LinkResult:
    """One link's figures over the window."""

    link: LinkDetails
    figures: Figures

    @property
    def conversion(self) -> float | None:
        """The share of the link's openers who joined; None if nobody opened it."""
        opens = self.figures.opens
        return self.figures.joined / opens if opens else None


# --- the routes ------------------------------------------------------------------------------


@router.get("/groups/{group_id}/insights")
async def group_insights(console: ConsoleDep, group_id: str, window: WindowDep) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    return await _screen(console, group, window, link_id=None)


@router.get("/groups/{group_id}/insights.csv")
async def group_insights_csv(console: ConsoleDep, group_id: str, window: WindowDep) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    return await _csv(console, group, window, link_id=None)


@router.get("/groups/{group_id}/insights/{link_id}.csv")  # before the page: it would match
async def link_insights_csv(
    console: ConsoleDep, group_id: str, link_id: str, window: WindowDep
) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    return await _csv(console, group, window, link_id=link_id)


@router.get("/groups/{group_id}/insights/{link_id}")
async def link_insights(
    console: ConsoleDep, group_id: str, link_id: str, window: WindowDep
) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    return await _screen(console, group, window, link_id=link_id)


def insights_path(group_id: str, link_id: str | None = None, suffix: str = "") -> str:
    return group_path(group_id, "insights" + (f"/{link_id}" if link_id else "") + suffix)


# --- the screen --------------------------------------------------------------------------------


async def _screen(
    console: Console, group: GroupView, window: Window, link_id: str | None
) -> Response:
    links = await _all_links(console, group)
    link = _the_link(links, link_id)
    page: dict[str, Any] = {
        **group_frame(console, group, "insights"),
        "link": None if link is None else _link_words(group, link),
        "windows": WINDOWS,
        "action": insights_path(group.id, link_id),
    }
    try:
        found = await _read(console, group, window, link_id)
    except InvalidParameter as refused:
        return console.render(
            "console/insights.html", 400, **page, window=window, error=refused.details
        )
    first, last = day_date(found.since // DAY_MS), day_date(found.until // DAY_MS - 1)
    span = f"{format.day(first)} to {format.day(last)} (UTC)"
    days = _every_day(found)
    return console.render(
        "console/insights.html",
        **page,
        window=Window(window.days, first, last),
        error="",
        span=span,
        chart=chart.funnel_svg(
            [chart.Day(format.day_month(date), figures) for date, figures in days],
            chart_id="funnel",
            title=f"{link_view.title(link) if link else group.subject}: each day, {span}",
            summary=_summary(found.totals),
        ),
        columns=COLUMNS,
        days=[(date, format.day(date), figures) for date, figures in days],
        totals=found.totals,
        ranking=None if link is not None else _ranking(group, links, found),
        csv_href=insights_path(group.id, link_id, ".csv") + window.query(),
    )


def _every_day(found: Insights) -> list[tuple[str, Figures]]:
    """The figures of each day of the window, added up over the links; zero on quiet days."""
    per_day: dict[str, Figures] = {}
    for row in found.days:
        per_day[row.date] = per_day.get(row.date, Figures()) + row.figures
    dates = [day_date(n) for n in range(found.since // DAY_MS, found.until // DAY_MS)]
    return [(date, per_day.get(date, Figures())) for date in dates]


def _summary(totals: Figures) -> str:
    said = ", ".join(f"{getattr(totals, name):,} {words.lower()}" for name, words in COLUMNS)
    return f"In all: {said}. The table below gives each day's figures."


def _link_words(group: GroupView, link: LinkDetails) -> dict[str, str]:
    return {
        "title": link_view.title(link),
        "href": group_path(group.id, f"invite/links/{link.id}"),
        "state": link.state.value,
        "state_words": link_view.state_words(link),
    }


def _ranking(group: GroupView, links: list[LinkDetails], found: Insights) -> dict[str, Any]:
    results = ranked(links, found)
    return {
        "verdict": verdict(results),
        "rows": [
            {
                "title": link_view.title(r.link),
                "href": insights_path(group.id, r.link.id),
                "state_words": link_view.state_words(r.link),
                "figures": r.figures,
                "conversion": format.percent(r.figures.joined, r.figures.opens),
            }
            for r in results
        ],
    }


def ranked(links: list[LinkDetails], found: Insights) -> list[LinkResult]:
    """The links that did something in the window, or still work: most joined first, then
    the best share of openers who joined, then the most opened."""
    per_link: dict[str, Figures] = {}
    for row in found.days:
        per_link[row.invite_link_id] = per_link.get(row.invite_link_id, Figures()) + row.figures
    results = [
        LinkResult(link, per_link.get(link.id, Figures()))
        for link in links
        if link.id in per_link or link.state in link_view.WORKING
    ]
    return sorted(
        results,
        key=lambda r: (
            -r.figures.joined,
            -(r.conversion or 0),
            -r.figures.opens,
            link_view.title(r.link),
        ),
    )


def verdict(results: list[LinkResult]) -> list[str]:
    """The best and the worst links in a sentence each."""
    said = []
    if len(results) > 1 and results[0].figures.joined > 0:
        best, worst = results[0], results[-1]
        said.append(f"Most joined through {link_view.title(best.link)}: {best.figures.joined:,}.")
        said.append(f"Fewest through {link_view.title(worst.link)}: {worst.figures.joined:,}.")
    opened = [r for r in results if r.conversion is not None]
    if opened:
        top = max(opened, key=lambda r: r.conversion or 0)
        share = format.percent(top.figures.joined, top.figures.opens)
        said.append(
            f"Best share of openers who joined: {link_view.title(top.link)}, {share} "
            f"of {format.visitors(top.figures.opens)}."
        )
    return said


# --- the CSV ---------------------------------------------------------------------------------


async def _csv(console: Console, group: GroupView, window: Window, link_id: str | None) -> Response:
    """One row per link and day with any figure, as ``GET /{group_id}/insights`` has them."""
    links = await _all_links(console, group)
    _the_link(links, link_id)
    found = await _read(console, group, window, link_id)
    names = {link.id: link_view.title(link) for link in links}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in found.days:
        cells = (row.date, row.invite_link_id, names.get(row.invite_link_id, ""))
        writer.writerow([*(safe_cell(cell) for cell in cells), *row.figures.values()])
    first, last = day_date(found.since // DAY_MS), day_date(found.until // DAY_MS - 1)
    stem = "-".join(part for part in ("insights", group.id, link_id, first, last) if part)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
    )


# --- shared by the screen and the CSV ----------------------------------------------------------


async def _read(
    console: Console, group: GroupView, window: Window, link_id: str | None
) -> Insights:
    core = console.web.core
    since, until = window.seconds(core.clock())
    return await insights.insights(
        core,
        group.business_id,
        group.id,
        console.viewer.actor(),
        since_s=since,
        until_s=until,
        link_id=link_id,
    )


async def _all_links(console: Console, group: GroupView) -> list[LinkDetails]:
    """Every link the group ever had (a revoked one may have figures in the window)."""
    found: list[LinkDetails] = []
    after = None
    while True:
        page = await invite_links.list_links(
            console.web.core,
            group.business_id,
            group.id,
            console.viewer.actor(),
            limit=LINKS_PAGE,
            after=after,
        )
        found += page.items
        if not page.has_next:
            return found
        after = page.after


def _the_link(links: list[LinkDetails], link_id: str | None) -> LinkDetails | None:
    if link_id is None:
        return None
    for link in links:
        if link.id == link_id:
            return link
    raise NotFound(f"No invite link with id {link_id} in this group")


def _day_seconds(text: str, which: str) -> int:
    """Unix seconds at the start of the UTC day ``YYYY-MM-DD``."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidParameter(f"Give the {which} day as a date, such as 2026-12-31") from None
    if day.year < 1970:
        raise InvalidParameter(f"Give the {which} day as a date since 1970")
    return int(day.timestamp())
