"""The console's "Insights" screen over real HTTP, on both backends.

Activity made through the sandbox and the Graph API (and one earlier day written to
the figures directly, as the server's clock can't be turned back) shows in the chart,
its table, the ranking of the links and the CSV, which equals ``GET /{group_id}/insights``.
"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from grouplink.store.tables import invite_links, link_days
from tests.conftest import Server
from tests.graph.helpers import WHATSAPP, approval_group, joined, leave, phone
from tests.graph.links_support import new_link, read_link
from tests.support import Business, create_group
from tests.web import test_console
from tests.web.pages import Page, Person, fetch_rows, new_phone, run_sql
from tests.web.test_console import Admin, member_at_console

admin, browsers = test_console.admin, test_console.browsers

FIGURES = ("opens", "join_requests", "joined", "approved", "rejected", "left")
CHARTED = ("opens", "join_requests", "joined", "left")
EARLIER = {"opens": 5, "joined": 2}  # what the walk-in link did three days ago


def insights_path(group_id: str, rest: str = "") -> str:
    return f"/console/groups/{group_id}/insights{rest}"


def table_rows(page: Page, caption: str) -> dict[str, list[str]]:
    """The rows of the table whose caption starts with ``caption``: first cell -> the others."""
    [table] = [t for t in re.findall(r"<table.*?</table>", page.html, re.S) if f">{caption}" in t]
    rows = {}
    for row in re.findall(r"<tbody>.*?</tbody>", table, re.S)[0].split("</tr>")[:-1]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def day_words(day: datetime) -> str:
    return day.strftime("%-d %b %Y")


def expected_bars(days: dict[str, dict[str, int]]) -> list[tuple[str, str]]:
    """(series, day label) of each bar the chart should draw: one per non-zero figure."""
    return [
        (name, datetime.strptime(date, "%Y-%m-%d").strftime("%-d %b"))
        for date, figures in sorted(days.items())
        for name in CHARTED
        if figures.get(name)
    ]


def make_activity(api: httpx.Client, biz: Business, server: Server) -> dict[str, Any]:
    """Poster: 3 asked, 2 approved, 1 rejected, 1 left, 1 open; Walk-in: 1 joined today,
    and ``EARLIER`` three days ago; the main link did nothing."""
    group = approval_group(api, biz, subject="Hiking club")
    poster = new_link(api, group["id"], name="=Poster")  # a formula, to a spreadsheet
    walk_in = new_link(api, group["id"], name="Walk-in", join_approval_mode="auto_approve")
    asked = [joined(biz, poster["code"], phone(n))["join_request_id"] for n in (1, 2, 3)]
    api.post(f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": asked[:2]})
    api.request(
        "DELETE", f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": asked[2:]}
    )
    joined(biz, walk_in["code"], phone(4))
    leave(biz, group["id"], phone(1))
    visitor = Person(server.base_url)
    try:
        assert visitor.open(poster["code"]).status == 200
    finally:
        visitor.close()
    deadline = time.monotonic() + 15  # opens are written every 2 s
    while read_link(api, group["id"], poster["id"])["counts"]["opens"] < 1:
        assert time.monotonic() < deadline, "the open was never counted"
        time.sleep(0.25)
    [[walk_in_pk]] = fetch_rows(
        server.database_url, sa.select(invite_links.c.pk).where(invite_links.c.id == walk_in["id"])
    )
    earlier = int(time.time()) // 86_400 - 3
    run_sql(
        server.database_url, sa.insert(link_days).values(link_pk=walk_in_pk, day=earlier, **EARLIER)
    )
    return {"group": group, "poster": poster, "walk_in": walk_in}


def test_the_insights_show_each_day_and_link_as_the_api_counts_them(
    admin: Admin, api: httpx.Client, biz: Business, server: Server
) -> None:
    made = make_activity(api, biz, server)
    group_id, poster, walk_in = made["group"]["id"], made["poster"], made["walk_in"]
    today = datetime.now(UTC)
    three_days_ago = today - timedelta(days=3)
    poster_today = dict(zip(FIGURES, (1, 3, 2, 2, 1, 1), strict=True))
    group_days = {
        today.strftime("%Y-%m-%d"): {**poster_today, "joined": 3},
        three_days_ago.strftime("%Y-%m-%d"): EARLIER,
    }

    # The default window: the last 30 days, quiet days as zero.
    page = admin.screen(group_id, "insights")
    assert ("Insights", insights_path(group_id)) in page.links  # the tab
    days = table_rows(page, "Each day")
    assert len(days) == 30 and list(days)[-1] == day_words(today)
    for day, cells in days.items():
        figures = group_days.get(datetime.strptime(day, "%d %b %Y").strftime("%Y-%m-%d"), {})
        assert cells == [str(figures.get(name, 0)) for name in FIGURES], day
    bars = re.findall(r'<rect class="chart-bar series-(\w+)".*?<title>([^:<]+):', page.html)
    assert bars == expected_bars(group_days)
    assert 'role="img" aria-labelledby="funnel-title funnel-desc"' in page.html
    assert "In all: 6 opened, 3 asked to join, 5 joined, 2 approved, 1 rejected, 1 left." in (
        page.text
    )
    ranking = table_rows(page, "Links, most joined first")
    assert [name.split()[0] for name in ranking] == ["Walk-in", "=Poster", "Main"]
    assert ranking["=Poster Active"] == [*map(str, poster_today.values()), "200%"]
    assert "Most joined through Walk-in: 3." in page.text
    assert "Best share of openers who joined: =Poster, 200% of 1 visitor." in page.text

    # One link: its own page, reached from the link's console page.
    link_page = admin.screen(group_id, f"invite/links/{poster['id']}")
    assert link_page.link("Insights: this link's figures day by day") == insights_path(
        group_id, f"/{poster['id']}"
    )
    one = admin.get(insights_path(group_id, f"/{poster['id']}"))
    assert one.status == 200 and "Insights: =Poster" in one.text
    assert table_rows(one, "Each day")[day_words(today)] == [str(n) for n in poster_today.values()]
    assert "Best and worst links" not in one.text
    assert admin.get(insights_path(group_id, "/nolink")).status == 404

    # The CSV is the API's data, with each link's name (a formula made harmless).
    download = admin.client.get(insights_path(group_id, ".csv?days=30"))
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    api_rows = api.get(f"/{group_id}/insights").json()["data"]
    names = {poster["id"]: "'=Poster", walk_in["id"]: "Walk-in"}
    assert rows == [
        {**{k: str(v) for k, v in r.items()}, "link_name": names[r["invite_link_id"]]}
        for r in api_rows
    ]
    assert list(rows[0]) == ["date", "invite_link_id", "link_name", *FIGURES]

    # The window form: the last 7 days, or the dates chosen.
    assert len(table_rows(admin.get(insights_path(group_id, "?days=7")), "Each day")) == 7
    day = three_days_ago.strftime("%Y-%m-%d")
    chosen = admin.get(insights_path(group_id, f"?days=dates&since={day}&until={day}"))
    assert table_rows(chosen, "Each day") == {
        day_words(three_days_ago): [str(EARLIER.get(name, 0)) for name in FIGURES]
    }
    assert f'value="{day}"' in chosen.html and 'value="dates" selected' in chosen.html
    window_csv = admin.client.get(
        insights_path(group_id, f".csv?days=dates&since={day}&until={day}")
    )
    assert [r["invite_link_id"] for r in csv.DictReader(io.StringIO(window_csv.text))] == [
        walk_in["id"]
    ]
    wrong = admin.get(insights_path(group_id, f"?days=dates&since={day}&until=2001-01-01"))
    assert wrong.status == 400 and "The first day must not be after the last" in wrong.text
    assert "Each day" not in wrong.text


def test_a_member_who_may_not_manage_links_is_refused(
    browsers: Any, api: httpx.Client, biz: Business
) -> None:
    member = new_phone()
    group = create_group(api, biz, subject="Choir")
    joined(biz, group["code"], member)
    person = member_at_console(browsers, member)
    tabs = [text for text, _ in person.get(f"/console/groups/{group['id']}").links]
    assert "Insights" not in tabs
    for rest in ("", ".csv"):
        refused = person.get(insights_path(group["id"], rest))
        assert refused.status == 403
        assert "Only admins can manage this group's invite link" in refused.text
