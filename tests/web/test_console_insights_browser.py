"""The console's "Insights" screen in a real headless Chromium, on a phone.

The chart is drawn (a box of its own, within the phone's width), the window is chosen
by keyboard, the CSV downloads and opens as CSV, and the screen passes axe-core in light
and dark. The picture docs/console.md shows is kept in docs/screenshots/ when run with
GROUPLINK_SCREENSHOTS_DIR=docs/screenshots (only the SQLite run writes it).
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server
from tests.support import Business
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
from tests.web.test_console_browser import as_business
from tests.web.test_console_insights import FIGURES, make_activity

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


def test_the_insights_chart_fits_a_phone_downloads_as_csv_and_passes_axe(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group_id = make_activity(api, biz, server)["group"]["id"]
    screen = f"{server.base_url}/console/groups/{group_id}/insights"
    keep = server.backend == "sqlite"

    async def scenario() -> None:
        async with chromium() as browser:
            for dark in (False, True):
                page = await as_business(browser, server, biz, dark=dark)
                await page.goto(screen)
                box = await page.locator("svg.chart").bounding_box()
                assert box is not None and box["width"] > 300 and box["height"] > 150
                await fits_the_phone(page, "insights")
                if keep and not dark:
                    await shoot(page, "console-insights")
                await assert_accessible(page, "insights" + (" (dark)" if dark else ""))

            # The dates show only with their choice (console.js); Tab and Enter choose a week.
            dates = page.locator("#dates-row")
            assert not await dates.is_visible()
            await page.select_option("#days", "dates")
            assert await dates.is_visible()
            await page.select_option("#days", "7")
            await tab_to(page, "form.window-form button", limit=40)
            await press_enter_and_wait(page, re.compile(r"/insights\?days=7&"))
            assert await page.locator("table.figures").first.locator("tbody tr").count() == 7

            async with page.expect_download() as started:
                await page.get_by_role("link", name="Download CSV").click()
            download = await started.value
            saved = await asyncio.to_thread(Path(await download.path()).read_text, "utf-8")
            rows = list(csv.reader(io.StringIO(saved)))
            assert rows[0] == ["date", "invite_link_id", "link_name", *FIGURES]
            assert {row[2] for row in rows[1:]} == {"'=Poster", "Walk-in"}

    run(scenario)
