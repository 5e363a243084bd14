"""The funnel chart (:mod:`grouplink.web.console.chart`): a pure function from each
day's figures to SVG markup."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st
from pytest import approx

from grouplink.services.insights import Figures
from grouplink.web.console.chart import PLOT_HEIGHT, SERIES, Day, funnel_svg, y_axis

SVG = "{http://www.w3.org/2000/svg}"


def drawn(days: list[Day], **words: str) -> ET.Element:
    markup = funnel_svg(days, chart_id="c", **{"title": "T", "summary": "S", **words})
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def bars(svg: ET.Element) -> list[tuple[str, float, str]]:
    """(series, height, title) of each bar, left to right."""
    return [
        (
            rect.get("class", "").split("series-")[1],
            float(rect.get("height", "")),
            rect.findtext(f"{SVG}title") or "",
        )
        for rect in svg.iter(f"{SVG}rect")
        if "chart-bar" in rect.get("class", "")
    ]


def test_bars_are_as_tall_as_their_figures_and_quiet_days_draw_nothing() -> None:
    days = [
        Day("1 Dec", Figures(opens=8, join_requests=4, joined=2, left=1)),
        Day("2 Dec", Figures()),
        Day("3 Dec", Figures(joined=6, approved=9, rejected=9)),  # not charted: no bars
    ]
    svg = drawn(days)
    found = bars(svg)
    top, _ = y_axis(8)
    assert [(name, approx(height, abs=0.01)) for name, height, _ in found] == [
        ("opens", PLOT_HEIGHT * 8 / top),
        ("join_requests", PLOT_HEIGHT * 4 / top),
        ("joined", PLOT_HEIGHT * 2 / top),
        ("left", PLOT_HEIGHT * 1 / top),
        ("joined", PLOT_HEIGHT * 6 / top),
    ]
    assert found[0][2] == "1 Dec: 8 opened" and found[-1][2] == "3 Dec: 6 joined"
    days_shown = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "day"]
    assert days_shown == ["1 Dec", "2 Dec", "3 Dec"]  # the quiet day keeps its place
    legend = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "key"]
    assert legend == [label for _, label in SERIES]
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks[0] == "0" and ticks[-1] == f"{top:,}"


def test_an_empty_window_draws_axes_and_no_bars() -> None:
    svg = drawn([Day(f"{n} Dec", Figures()) for n in range(1, 31)])
    assert bars(svg) == []
    assert len([t for t in svg.iter(f"{SVG}text") if t.get("class") == "day"]) <= 7


def test_the_words_are_escaped_and_name_the_picture() -> None:
    markup = str(
        funnel_svg(
            [Day("<b>&", Figures(opens=1))], chart_id="c", title='A "<club>"', summary="x & y"
        )
    )
    svg = ET.fromstring(markup)
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.findtext(f"{SVG}title") == 'A "<club>"'
    assert svg.findtext(f"{SVG}desc") == "x & y"
    assert "<b>" not in markup and "&lt;b&gt;&amp;" in markup
    assert re.search(r"<title>&lt;b&gt;&amp;: 1 opened</title>", markup)


@given(st.integers(min_value=0, max_value=10**9))
def test_the_axis_holds_the_largest_figure_in_at_most_four_round_steps(largest: int) -> None:
    top, step = y_axis(largest)
    assert top >= largest and top // step <= 4 and top % step == 0
    assert re.fullmatch(r"[125]0*", str(step))
