"""The funnel by day as an SVG bar chart drawn on the server: for each day, one bar per
figure (opened, asked to join, joined, left) that is not zero, over a y axis from 0 to a
round number, with day labels and a legend.

The chart is a picture with a title and a summary (``role="img"``); the page shows the
same figures in a table. Colours come from CSS classes, so dark mode applies, and the
``viewBox`` lets the picture shrink to a phone's width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from grouplink.services.insights import Figures

SERIES = (
    ("opens", "Opened"),
    ("join_requests", "Asked to join"),
    ("joined", "Joined"),
    ("left", "Left"),
)

WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 30, 22  # room for the y labels, the legend, the day labels
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MOST_DAY_LABELS = 7
MOST_INTERVALS = 4  # of the y axis
CHAR_WIDTH = 5.6  # of the labels' 11-unit font, near enough to space the legend


@dataclass(frozen=True, slots=True)
class Day:
    label: str  # "1 Dec"
    figures: Figures


def funnel_svg(days: Sequence[Day], *, chart_id: str, title: str, summary: str) -> Markup:
    """The chart of ``days`` (every day of the window, in order), labelled by ``title``
    and described by ``summary``; ``chart_id`` keeps its ids apart from the page's."""
    top, step = y_axis(max((_largest(day.figures) for day in days), default=0))
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
        *_grid(top, step),
        *_legend(),
        *_bars(days, top),
        *_day_labels(days),
        "</svg>",
    ]
    return Markup("".join(parts))


def y_axis(largest: int) -> tuple[int, int]:
    """The axis's top and its step: 1, 2 or 5 times a power of ten, in at most four steps."""
    needed = max(largest, 1)
    power = 10 ** max(0, math.floor(math.log10(needed)) - 1)
    step = next(
        s * p
        for p in (power, power * 10, power * 100)
        for s in (1, 2, 5)
        if s * p * MOST_INTERVALS >= needed
    )
    return step * math.ceil(needed / step), step


def bar_height(value: int, top: int) -> float:
    return PLOT_HEIGHT * value / top


def _largest(figures: Figures) -> int:
    return max(_value(figures, name) for name, _ in SERIES)


def _value(figures: Figures, name: str) -> int:
    value: int = getattr(figures, name)
    return value


def _grid(top: int, step: int) -> list[str]:
    lines = []
    for value in range(0, top + 1, step):
        y = _n(TOP + PLOT_HEIGHT - bar_height(value, top))
        kind = "axis" if value == 0 else "grid"
        lines.append(f'<line class="{kind}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
        lines.append(
            f'<text class="tick" x="{LEFT - 4}" y="{y}" text-anchor="end"'
            f' dominant-baseline="middle">{value:,}</text>'
        )
    return lines


def _legend() -> list[str]:
    items, x = [], 0.0
    for name, label in SERIES:
        items.append(
            f'<rect class="swatch series-{name}" x="{_n(x)}" y="4" width="10" height="10"/>'
        )
        items.append(f'<text class="key" x="{_n(x + 14)}" y="13">{escape(label)}</text>')
        x += 14 + len(label) * CHAR_WIDTH + 12
    return items


def _bars(days: Sequence[Day], top: int) -> list[str]:
    slot = PLOT_WIDTH / max(len(days), 1)
    width = slot * 0.8 / len(SERIES)
    bars = []
    for i, day in enumerate(days):
        for j, (name, label) in enumerate(SERIES):
            value = _value(day.figures, name)
            if value == 0:  # nothing to draw: the day's slot stays empty at zero
                continue
            height = bar_height(value, top)
            x, y = LEFT + i * slot + slot * 0.1 + j * width, TOP + PLOT_HEIGHT - height
            bars.append(
                f'<rect class="chart-bar series-{name}" x="{_n(x)}" y="{_n(y)}"'
                f' width="{_n(width)}" height="{_n(height)}">'
                f"<title>{escape(day.label)}: {value:,} {escape(label.lower())}</title></rect>"
            )
    return bars


def _day_labels(days: Sequence[Day]) -> list[str]:
    """Every few days' label under its slot, at most seven of them, so that none overlap."""
    slot = PLOT_WIDTH / max(len(days), 1)
    every = math.ceil(len(days) / MOST_DAY_LABELS) or 1
    return [
        f'<text class="day" x="{_n(LEFT + (i + 0.5) * slot)}" y="{HEIGHT - 6}"'
        f' text-anchor="middle">{escape(day.label)}</text>'
        for i, day in enumerate(days)
        if i % every == 0
    ]


def _n(number: float) -> str:
    """A coordinate, to two decimals and no more than it needs."""
    return f"{number:.2f}".rstrip("0").rstrip(".")
