"""The sandbox inbox in Chromium on a phone: the admin sends the link from the invite
screen, code sends another through the Graph API, and the admin finds the person's
inbox by keyboard and sees both, newest first, with the link in each a link that
opens the group's link page; an empty inbox says so; every screen passes axe.
The inbox's picture is kept in docs/screenshots/ as test_console_browser's are."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import joined, phone
from tests.messages.helpers import send_text
from tests.support import Business, create_group
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
from tests.web.test_console_browser import as_business, go_to_tab, heading, notice

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


def test_an_admin_reads_what_both_doors_sent_in_the_persons_inbox(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz, subject="Hiking club")
    link = group["invite_link"]
    wa_id, quiet = phone(721), phone(722)
    joined(biz, group["code"], quiet)  # seen by the business, never sent anything
    invite = f"{server.base_url}/console/groups/{group['id']}/invite"
    inbox = f"{server.base_url}/console/sandbox/people/{wa_id}/messages"

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            await page.goto(invite)
            await page.get_by_label("Send link via WhatsApp").fill("+1 555 010 0721")
            await page.get_by_role("button", name="Send link").click()
            await page.wait_for_url(f"{invite}?notice=sent_one")
            assert await notice(page) == "Link sent via WhatsApp."
            sent = send_text(api, biz, wa_id, f"Through the API this time: {link}")
            assert sent.status_code == 200, sent.text

            # From the send form to the inbox, by keyboard alone.
            await tab_to(page, "a[href='/console/sandbox']")
            await press_enter_and_wait(page, f"{server.base_url}/console/sandbox")
            assert await heading(page) == "Sandbox inboxes"
            await assert_accessible(page, "the sandbox inboxes form")
            await tab_to(page, "#inbox-phone")
            await page.keyboard.type("+1 555 010 07")
            await press_enter_and_wait(page, re.compile(r"/console/sandbox\?phone="))
            field = page.get_by_label("Phone number")
            assert await field.get_attribute("aria-invalid") == "true"
            assert "is not a" in await page.locator("#inbox-phone-error").inner_text()
            await assert_accessible(page, "the refused sandbox inboxes form")
            await field.fill("+1 555 010 0721")
            await field.press("Enter")
            await page.wait_for_url(inbox)

            assert await heading(page) == "Inbox of +1 555-010-0721"
            messages = page.get_by_role("list", name="Messages").get_by_role("listitem")
            texts = [" ".join(t.split()) for t in await messages.all_inner_texts()]
            assert len(texts) == 2, texts
            assert f"Through the API this time: {link}" in texts[0]
            assert f"Join my WhatsApp group “Hiking club”: {link}" in texts[1]
            assert all("Delivered" in t and "just now" in t for t in texts), texts
            links = page.get_by_role("link", name=link, exact=True)
            assert await links.count() == 2
            await fits_the_phone(page, "the inbox")
            await assert_accessible(page, "the inbox")
            if server.backend == "sqlite":  # one picture, not one per backend
                await shoot(page, "console-inbox")

            # The newest message's link opens the group's link page.
            await tab_to(page, f"li.message >> nth=0 >> a[href='{link}']")
            await press_enter_and_wait(page, link)
            assert "Hiking club" in await heading(page)

            # Someone the business saw but never messaged: from People, an empty inbox.
            await page.goto(f"{server.base_url}/console/groups/{group['id']}")
            await go_to_tab(page, "People")
            row_link = page.get_by_role("link", name=re.compile("^Inbox of "))
            assert await row_link.count() == 1
            async with page.expect_navigation():
                await row_link.click()
            assert await heading(page) == "Inbox of +1 555-010-0722"
            assert "No messages yet." in await page.locator(".panel").inner_text()
            await assert_accessible(page, "an empty inbox")

            # The groups list says where the sandbox's messages go.
            await page.goto(f"{server.base_url}/console")
            await page.get_by_role("note", name="Sandbox").get_by_role("link").wait_for()
            await assert_accessible(page, "the groups list with the sandbox note")

    run(scenario)
