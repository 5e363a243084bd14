"""Remove, Approve all and Reject all ask first, as WhatsApp does ("Remove ... from the
group?"): in a dialog when scripts run (the safe choice has the focus, Escape keeps
everything as it was), and on a page of their own when they don't."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import approval_group, ask, joined, pending_of, phone, wa_ids_of
from tests.support import Business, create_group
from tests.web.browser import (
    assert_accessible,
    chromium,
    require_browser,
    run,
)
from tests.web.test_console_browser import (
    as_business,
    as_business_without_scripts,
    click_through,
    heading,
    notice,
)

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


def test_removing_someone_asks_in_a_dialog_first(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz, subject="Hiking club")
    for n in (1, 2):
        joined(biz, group["code"], phone(n))
    members = f"{server.base_url}/console/groups/{group['id']}/members"

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            await page.goto(members)
            remove = page.get_by_role("button", name="Remove +1 555-010-0001")
            await remove.click()
            dialog = page.get_by_role("dialog", name="Remove +1 555-010-0001 from the group?")
            await dialog.wait_for()
            assert "can't come back through an invite link" in await dialog.inner_text()
            focused = await page.evaluate("() => document.activeElement.textContent")
            assert focused == "Cancel"  # Enter now would change nothing
            await assert_accessible(page, "the remove dialog")
            await page.keyboard.press("Escape")
            await dialog.wait_for(state="detached")
            assert sorted(wa_ids_of(api, group["id"])) == [phone(1), phone(2)]

            await remove.click()
            await click_through(
                page, dialog.get_by_role("button", name="Remove"), re.compile(r"notice=removed")
            )
            assert "Removed." in await notice(page)
            assert wa_ids_of(api, group["id"]) == [phone(2)]

    run(scenario)


def test_approving_and_rejecting_everyone_ask_first(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz)
    for n in range(3):
        ask(biz, group["code"], phone(20 + n))
    requests = f"{server.base_url}/console/groups/{group['id']}/requests"

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            await page.goto(requests)
            await page.get_by_role("button", name="Reject all").click()
            dialog = page.get_by_role("dialog", name="Reject all 3 requests?")
            await dialog.get_by_role("button", name="Cancel").click()
            await dialog.wait_for(state="detached")
            assert len(pending_of(api, group["id"])) == 3

            await page.get_by_role("button", name="Approve all").click()
            dialog = page.get_by_role("dialog", name="Approve all 3 requests?")
            assert "They join the group now." in await dialog.inner_text()
            await click_through(page, dialog.get_by_role("button", name="Approve all"))
            assert await notice(page) == "Approved 3 requests."
            assert len(wa_ids_of(api, group["id"])) == 3

    run(scenario)


def test_without_scripts_a_page_asks_instead(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    joined(biz, group["code"], phone(30))
    members = f"{server.base_url}/console/groups/{group['id']}/members"

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business_without_scripts(browser, server, biz)
            await page.goto(members)
            await click_through(page, page.get_by_role("button", name="Remove +1 555-010-0030"))
            assert await heading(page) == "Remove +1 555-010-0030 from the group?"
            assert wa_ids_of(api, group["id"]) == [phone(30)]
            await click_through(page, page.get_by_role("button", name="Remove"))
            assert "Removed." in await notice(page)
            assert wa_ids_of(api, group["id"]) == []

    run(scenario)
