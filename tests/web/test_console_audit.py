"""The console's audit log ("Log"): over HTTP, then in Chromium (axe, phone, keyboard).

The owner and admins read, in words, who did what through which door; the filters are a
plain GET form; the list pages; the CSV holds the filtered log, safe for spreadsheets.
The photograph is kept in docs/screenshots/ when run with
GROUPLINK_SCREENSHOTS_DIR=docs/screenshots (only the SQLite run writes it).
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from grouplink.services import businesses
from grouplink.web.console.audit import CSV_HEADER, safe_cell
from tests.conftest import Server
from tests.graph.helpers import joined, phone
from tests.graph.links_support import edit_link, new_link
from tests.support import Business, create_group, with_core
from tests.web import test_console
from tests.web.browser import (
    assert_accessible,
    chromium,
    fits_the_phone,
    press_enter_and_wait,
    require_browser,
    run,
    shoot,
    tab_to,
)
from tests.web.pages import Person
from tests.web.test_console import Admin, member_at_console
from tests.web.test_console_browser import as_business

if TYPE_CHECKING:
    from playwright.async_api import Browser

# The console's own fixtures: a signed-in business, and browsers that close after the test.
admin, browsers = test_console.admin, test_console.browsers

JOINED = "+1 555-010-0001 joined through Poster at the library"


def a_busy_group(api: httpx.Client, biz: Business, browsers: Any) -> dict[str, Any]:
    """Hiking club: someone joins on the link page, 5 more in the sandbox, and 20 edits of
    another link fill the log's first page."""
    group = create_group(api, biz, subject="Hiking club")
    poster = new_link(api, group["id"], name="Poster at the library")
    person: Person = browsers(Person, phone(1))
    person.sign_in(f"/{poster['code']}")
    person.act(poster["code"], "join")
    for n in range(10, 15):
        joined(biz, poster["code"], phone(n))
    spare = new_link(api, group["id"], name="Summer trips")
    for n in range(20):
        edit_link(api, group["id"], spare["id"], name=f"Summer trips {n}")
    return group


def test_the_log_says_who_did_what_filters_pages_and_exports_csv(
    admin: Admin, browsers: Any, api: httpx.Client, biz: Business, server: Server
) -> None:
    group = a_busy_group(api, biz, browsers)
    gid, base = group["id"], f"/console/groups/{group['id']}"
    token_id = with_core(
        server.database_url, lambda core: businesses.token_owner(core, biz.token)
    ).token_id
    # Changes at the console: a reset, a removal (which bans) and an unban.
    admin.submit(admin.screen(gid, "invite/reset").form(f"{base}/invite/reset"))
    removed = admin.say_yes(
        admin.press(admin.screen(gid, "members"), f"{base}/members", "remove", wa_id=phone(10))
    )
    admin.press(removed, f"{base}/members", "unban", wa_id=phone(10))

    graph = api.get(f"/{gid}/audit_log", params={"door": "console"}).json()["data"]
    assert {e["action"] for e in graph} >= {
        "link.reset",
        "participants.remove",
        "participants.unban",
    }
    assert all(e["actor"] == {"type": "business", "token_id": token_id} for e in graph), graph
    on_page = api.get(f"/{gid}/audit_log", params={"door": "link_page"}).json()["data"]
    assert [(e["action"], e["actor"]["wa_id"]) for e in on_page] == [("participants.add", phone(1))]

    # The screen, in words, newest first, with the door and the time in UTC.
    page = admin.screen(gid, "log")
    assert page.link("Log") == f"{base}/log"  # the tab, for the owner
    text = page.text
    said = f"The business (token {token_id[:6]}…) let +1 555-010-0010 come back"
    assert said in text and "Console" in text and " UTC" in text
    assert f"The business (token {token_id[:6]}…) reset the invite link" in text
    assert text.index(said) < text.index("reset the invite link")
    assert "created the group" not in text  # the oldest: on the second page
    older = admin.get(page.link("Older entries"))
    assert "The business (token" in older.text and "created the group" in older.text
    assert JOINED in older.text and "Link page" in older.text
    assert admin.get(older.link("Newer entries")).text == text

    # The filters are a GET form; the CSV link carries them.
    assert f'<form method="get" action="{base}/log"' in page.html
    assert '<select id="log-action" name="action">' in page.html
    assert '<select id="log-door" name="door">' in page.html
    links_only = admin.get(f"{base}/log?action=link&door=console")
    assert "reset the invite link" in links_only.text and "come back" not in links_only.text
    assert links_only.link("Download CSV (these filters)") == (
        f"{base}/log.csv?action=link&door=console"
    )

    answer = admin.client.get(f"{base}/log.csv?action=participants")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == CSV_HEADER
    listed = api.get(f"/{gid}/audit_log", params={"action": "participants", "limit": 100})
    assert len(rows) - 1 == len(listed.json()["data"]) >= 8
    first_join = rows[-1]
    assert first_join[1:4] == ["participants.add", "link_page", "participant"]
    assert first_join[8] == "'" + JOINED  # a cell starting with + would run as a formula
    assert [safe_cell(v) for v in ("=1+1", "-2", "@SUM(A1)", "plain")] == [
        "'=1+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
    ]

    # A member sees no Log tab, and neither the screen nor the CSV.
    member = member_at_console(browsers, phone(11))
    info = member.get(base)
    assert info.status == 200 and f"{base}/log" not in info.html
    assert member.get(f"{base}/log").status == 403
    assert member.client.get(f"{base}/log.csv").status_code == 403


@pytest.mark.browser
def test_the_log_passes_axe_fits_a_phone_and_filters_by_keyboard(
    api: httpx.Client, biz: Business, browsers: Any, server: Server
) -> None:
    require_browser()
    group = a_busy_group(api, biz, browsers)
    url = f"{server.base_url}/console/groups/{group['id']}/log"

    async def scenario() -> None:
        async with chromium() as browser:
            for dark in (False, True):
                await walk(browser, dark)

    async def walk(browser: Browser, dark: bool) -> None:
        page = await as_business(browser, server, biz, dark=dark)
        await page.goto(url)
        await fits_the_phone(page, "the log")
        if not dark and server.backend == "sqlite":
            await shoot(page, "console-audit")
        await assert_accessible(page, "audit log" + (" (dark)" if dark else ""))
        if dark:
            return
        await tab_to(page, "#log-door")
        await page.keyboard.press("ArrowDown")  # the first door: the API
        await tab_to(page, ".log-filters button")
        await press_enter_and_wait(page, re.compile(r"/log\?action=&door=graph$"))
        texts = await page.locator(".log-row").all_inner_texts()
        assert texts and all("API" in t for t in texts), texts

    run(scenario)
