"""The Requests screen over real HTTP, on both backends: when each person asked, said
as people say it ("2 hours ago"), with the full date and time on hover."""

from __future__ import annotations

import re
import time

import httpx
import sqlalchemy as sa

from grouplink.store.tables import join_requests
from grouplink.web import format
from tests.conftest import Server
from tests.graph.helpers import approval_group, ask, phone
from tests.support import Business
from tests.web import test_console
from tests.web.pages import run_sql
from tests.web.test_console import Admin

admin, browsers = test_console.admin, test_console.browsers

HOUR_MS = 3_600_000


def test_requests_say_how_long_ago_with_the_full_date_on_hover(
    admin: Admin, api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz)
    asked = {n: ask(biz, group["code"], phone(n)) for n in (1, 2, 3)}
    now = int(time.time() * 1000)
    earlier = {asked[2]: now - 2 * HOUR_MS - 60_000, asked[3]: now - 40 * 24 * HOUR_MS}
    for request_id, at in earlier.items():
        run_sql(
            server.database_url,
            sa.update(join_requests).where(join_requests.c.id == request_id).values(created_at=at),
        )
    page = admin.screen(group["id"], "requests")
    assert "Asked just now" in page.text
    assert "Asked 2 hours ago" in page.text
    assert f"Asked {format.date(earlier[asked[3]])}" in page.text  # weeks ago
    times = re.findall(r'<time datetime="([^"]+)" title="([^"]+)">2 hours ago</time>', page.html)
    at = earlier[asked[2]]
    assert times == [(format.iso_moment(at), format.moment(at))]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", times[0][0])
    assert times[0][1].endswith(" UTC")


def test_ago_reads_as_people_say_it() -> None:
    now = 1_800_000_000_000
    said = {
        now: "just now",
        now - 59_000: "just now",
        now - 60_000: "1 minute ago",
        now - 45 * 60_000: "45 minutes ago",
        now - HOUR_MS: "1 hour ago",
        now - 23 * HOUR_MS: "23 hours ago",
        now - 24 * HOUR_MS: "1 day ago",
        now - 28 * 24 * HOUR_MS: "28 days ago",
        now + 5_000: "just now",  # a clock a little ahead says nothing odd
    }
    assert {at: format.ago(at, now) for at in said} == said
    assert format.ago(now - 29 * 24 * HOUR_MS, now) == format.date(now - 29 * 24 * HOUR_MS)
