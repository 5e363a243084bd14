""" "Send link via WhatsApp" in Chromium on a phone: the admin types numbers, sends, sees
it said; a refused number is marked on the field, with what was typed kept; axe clean."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Server
from tests.messages.helpers import inbox
from tests.support import Business, create_group
from tests.web.browser import assert_accessible, chromium, require_browser, run
from tests.web.test_console_browser import as_business, notice

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


def test_an_admin_sends_the_link_to_numbers_they_type(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz, subject="Choir")
    invite = f"{server.base_url}/console/groups/{group['id']}/invite"

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            await page.goto(invite)
            field = page.get_by_label("Send link via WhatsApp")
            await assert_accessible(page, "the invite screen with the send form")

            await field.fill("+1 555 010 0601\n+1 555")
            await page.get_by_role("button", name="Send link").click()
            error = page.locator("#send-numbers-error")
            await error.wait_for()
            assert "+1555" in await error.inner_text()
            assert await field.input_value() == "+1 555 010 0601\n+1 555"
            assert await field.get_attribute("aria-invalid") == "true"
            await assert_accessible(page, "the refused send form")

            await field.fill("+1 555 010 0601")
            await page.get_by_role("button", name="Send link").click()
            await page.wait_for_url(f"{invite}?notice=sent_one")
            assert await notice(page) == "Link sent via WhatsApp."

    run(scenario)
    [message] = inbox(biz, "15550100601")
    assert group["invite_link"] in message["text"]["body"]
