"""Console forms in a real headless Chromium: a 128-character name without spaces fits a
phone, the name's counter counts as it is typed, a refused save marks its field, and a
notice after a save reads as success (the ok colours), a warning as a warning."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import approval_group, ask, pending_of, phone, wa_ids_of
from tests.support import Business
from tests.web.browser import (
    assert_accessible,
    chromium,
    fits_the_phone,
    require_browser,
    run,
)
from tests.web.test_console_browser import as_business, click_through, notice

pytestmark = pytest.mark.browser

LONG_NAME = "W" * 128  # the longest name, with nowhere to break it


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


def test_the_longest_name_without_spaces_wraps_on_a_phone(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz, subject=LONG_NAME)
    ask(biz, group["code"], phone(1))
    base = f"{server.base_url}/console/groups/{group['id']}"

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            screens = ("", "/invite", "/requests", "/members", "/settings", "/delete")
            for screen in screens:
                await page.goto(base + screen)
                await fits_the_phone(page, f"console{screen or ' info'}")
            await page.goto(f"{server.base_url}/console")
            await fits_the_phone(page, "the groups list")
            await page.goto(f"{server.base_url}/{group['code']}")
            await fits_the_phone(page, "the link page")

    run(scenario)


def test_the_name_counts_as_typed_and_a_refused_save_marks_the_field(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz, subject="Choir")
    for n in range(2):
        ask(biz, group["code"], phone(10 + n))
    settings = f"{server.base_url}/console/groups/{group['id']}/settings"

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            await page.goto(settings)
            counter = page.locator("#subject-count")
            assert await counter.inner_text() == "5 of 128 characters"
            name = page.get_by_label("Group name")
            await name.fill("N" * 129)  # pasted: nothing cuts it
            assert await name.input_value() == "N" * 129
            assert await counter.inner_text() == "129 of 128 characters: 1 too many"
            assert "over" in (await counter.get_attribute("class") or "")
            await assert_accessible(page, "settings, with requests waiting")
            await click_through(page, page.get_by_role("button", name="Save"))
            error = page.locator("#subject-error")
            assert await error.inner_text() == "Group name is longer than 128 characters"
            assert await name.get_attribute("aria-invalid") == "true"
            described = await name.get_attribute("aria-describedby") or ""
            assert "subject-error" in described.split()
            assert await page.get_by_label("Admins approve who joins").is_checked()
            await fits_the_phone(page, "the refused settings")
            await assert_accessible(page, "the refused settings")

            await name.fill("Choir")
            await page.get_by_label("Description").fill("We sing")
            await click_through(page, page.get_by_role("button", name="Save"))
            assert await notice(page) == "Settings saved."
            shown = page.locator(".notice")
            assert await shown.get_attribute("role") == "status"
            assert "ok" in (await shown.get_attribute("class") or "").split()
            ok_colour = await shown.evaluate("(el) => getComputedStyle(el).backgroundColor")
            assert ok_colour == "rgb(217, 253, 211)"  # --ok-bg, not the waiting yellow
            await assert_accessible(page, "settings saved")

            await click_through(page, page.get_by_role("button", name="Save"))
            assert await notice(page) == "Nothing to save: nothing was changed."
            warning = await shown.evaluate("(el) => getComputedStyle(el).backgroundColor")
            assert warning == "rgb(255, 243, 196)"  # --wait-bg: nothing was done

            # Turning approval off: the choice about the 2 waiting requests shows, in the
            # same form, and the default lets them in with the same Save.
            choice = page.get_by_role("group", name="2 requests waiting. If you turn this off:")
            assert not await choice.is_visible()  # about turning it off: hidden while on
            await page.get_by_label("Admins approve who joins").uncheck()
            assert await choice.is_visible()
            assert await page.get_by_label("Approve the 2 waiting requests too").is_checked()
            await assert_accessible(page, "settings, turning approval off")
            await click_through(page, page.get_by_role("button", name="Save"))
            assert await notice(page) == (
                "Settings saved. Approved the 2 waiting requests: they are in the group."
            )
            assert "ok" in (await shown.get_attribute("class") or "").split()

    run(scenario)
    assert pending_of(api, group["id"]) == []
    assert sorted(wa_ids_of(api, group["id"])) == [phone(10), phone(11)]
