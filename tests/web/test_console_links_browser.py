"""The console's "Invite links" screen in a real headless Chromium, as people use it.

An admin on a phone makes a named link and copies it; the QR code of a link that is
not the main one scans to that link; the reset dialog, by keyboard alone, says how
many links will stop working and can reset the main link only; the forms work
without JavaScript; every new screen passes axe-core in light and dark, fits a
phone's width, and is photographed (kept in docs/screenshots/ when run with
GROUPLINK_SCREENSHOTS_DIR=docs/screenshots; only the SQLite run writes them).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import WHATSAPP, joined, phone
from tests.graph.links_support import all_links, in_seconds, new_link, read_link
from tests.support import Business, create_group
from tests.web.browser import (
    allow_clipboard,
    assert_accessible,
    chromium,
    clipboard,
    fits_the_phone,
    press_enter_and_wait,
    require_browser,
    run,
    shoot,
    shoot_screen,
    tab_to,
)
from tests.web.test_console import read_qr
from tests.web.test_console_browser import (
    as_business,
    as_business_without_scripts,
    click_through,
    heading,
    notice,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


# The pictures docs/console.md shows; the other screens are checked, not photographed.
PHOTOGRAPHED = ("console-invite-links", "console-link-new", "console-link")


def screen_of(server: Server, group_id: str, name: str = "invite") -> str:
    return f"{server.base_url}/console/groups/{group_id}/{name}"


def a_group_with_links(api: httpx.Client, biz: Business) -> tuple[dict[str, str], list[str]]:
    """Hiking club: its main link, two working links (one paused), one used up, one revoked."""
    group = create_group(api, biz, subject="Hiking club")
    for n in (1, 2):
        joined(biz, group["code"], phone(n))
    poster = new_link(api, group["id"], name="Poster at the library", member_limit=10)
    for n in (3, 4, 5):
        joined(biz, poster["code"], phone(n))
    resting = new_link(api, group["id"], name="Summer trips", expire_time=in_seconds(86_400 * 30))
    api.post(
        f"/{group['id']}/invite_links/{resting['id']}",
        json={**WHATSAPP, "paused_until": in_seconds(86_400)},
    )
    full = new_link(api, group["id"], name="Guides", member_limit=1)
    joined(biz, full["code"], phone(6))
    old = new_link(api, group["id"], name="Spring flyer")
    api.request("DELETE", f"/{group['id']}/invite_links/{old['id']}", json=WHATSAPP)
    return group, [poster["id"], resting["id"]]


def test_an_admin_makes_a_named_link_and_copies_it(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz, subject="Hiking club")

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            await allow_clipboard(page.context, server.base_url)
            await page.goto(screen_of(server, group["id"]))
            assert await heading(page) == "Invite to group via link | Other links"
            await click_through(page, page.get_by_role("link", name="New link"))
            assert await heading(page) == "New invite link"

            await page.get_by_label("Name").fill("Poster at the library")
            date_and_time = page.get_by_label("Date and time")
            assert not await date_and_time.is_visible()  # only with "At the date and time"
            await page.get_by_label("Expires").select_option(label="At the date and time below")
            assert await date_and_time.is_visible()
            await page.get_by_label("Expires").select_option(label="In 7 days")
            await page.get_by_label("Member limit").fill("10")
            await page.get_by_label("Ask to join: an admin approves each person").check()
            make = page.get_by_role("button", name="Make link")
            await click_through(page, make, re.compile(r"/invite/links/\w+\?notice=created$"))
            assert await heading(page) == "Poster at the library | Pause | Revoke"
            assert await notice(page) == "Link made. Share it, or let people scan its QR code."

            [link] = [x for x in all_links(api, group["id"]) if not x["is_primary"]]
            assert link["member_limit"] == 10
            assert link["join_approval_mode"] == "approval_required"
            await page.get_by_role("button", name="Copy link").click()
            await page.get_by_role("status").get_by_text("Link copied.").wait_for()
            assert await clipboard(page) == link["invite_link"]

            # The list has it, with its own Copy button.
            await page.goto(screen_of(server, group["id"]))
            row = page.get_by_role("list", name="Working links").get_by_role("listitem")
            assert "0 of 10 joined" in await row.inner_text()
            await page.evaluate("() => navigator.clipboard.writeText('')")
            await row.get_by_role("button", name="Copy Poster at the library").click()
            statuses = page.locator("[data-status]").filter(has_text="Link copied.")
            await statuses.wait_for()
            assert await clipboard(page) == link["invite_link"]

    run(scenario)


def test_the_qr_code_of_another_link_scans_to_that_link(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz, subject="Hiking club")
    link = new_link(api, group["id"], name="Trailhead sign")

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            await page.goto(screen_of(server, group["id"], f"invite/links/{link['id']}"))
            picture = await page.locator("figure.qr svg").screenshot()
            assert read_qr(picture) == [link["invite_link"]]
            assert link["invite_link"] != group["invite_link"]

    run(scenario)


def test_the_reset_dialog_by_keyboard_counts_the_links_and_can_spare_the_others(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group, others = a_group_with_links(api, biz)
    keep = server.backend == "sqlite"

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business(browser, server, biz)
            await page.goto(screen_of(server, group["id"]))
            await tab_to(page, 'a[data-confirm="reset-dialog"]', limit=40)
            await page.keyboard.press("Enter")
            dialog = page.get_by_role("dialog", name="Reset link?")
            await dialog.wait_for()
            said = await dialog.inner_text()
            assert "3 links will stop working at once: the current link and 2 others." in said
            focused = "() => document.activeElement.textContent"
            assert await page.evaluate(focused) == "Cancel"
            if keep:
                await page.evaluate("() => window.scrollTo(0, 0)")
                await shoot_screen(page, "console-reset-dialog")
            await assert_accessible(page, "reset dialog")

            await page.keyboard.press("Tab")
            assert await page.evaluate(focused) == "Reset only the main link"
            await press_enter_and_wait(page, re.compile(r"/invite\?notice=reset_primary$"))
            assert (await notice(page)).startswith("Main link reset.")
            states = await asyncio.to_thread(
                lambda: [read_link(api, group["id"], x)["state"] for x in others]
            )
            assert states == ["active", "paused"]
            assert await page.get_by_label("Invite link").input_value() != group["invite_link"]

    run(scenario)


def test_links_are_made_and_revoked_without_javascript(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz, subject="Hiking club")

    async def scenario() -> None:
        async with chromium() as browser:
            page = await as_business_without_scripts(browser, server, biz)
            await page.goto(screen_of(server, group["id"], "invite/new"))
            await page.get_by_label("Name").fill("Open day")
            await page.get_by_label("Expires").select_option(label="At the date and time below")
            await page.get_by_label("Date and time").fill("2001-02-03T04:05")  # in the past
            await click_through(page, page.get_by_role("button", name="Make link"))
            assert "The expiry must be a time in the future" in await page.inner_text("main")
            assert await page.get_by_label("Name").input_value() == "Open day"
            assert await page.get_by_label("Date and time").input_value() == "2001-02-03T04:05"

            await page.get_by_label("Date and time").fill("2030-02-03T04:05")
            await click_through(page, page.get_by_role("button", name="Make link"))
            assert await notice(page) == "Link made. Share it, or let people scan its QR code."
            revoke = page.get_by_role("link", name="Revoke link")
            await click_through(page, revoke, re.compile(r"/revoke$"))
            assert await heading(page) == "Revoke Open day?"
            await click_through(page, page.get_by_role("button", name="Revoke link"))
            assert await notice(page) == "Link revoked. It no longer works."
            [link] = [x for x in all_links(api, group["id"]) if not x["is_primary"]]
            expiry = datetime(2030, 2, 3, 4, 5, tzinfo=UTC).timestamp()
            assert (link["state"], link["expire_time"]) == ("revoked", expiry)

    run(scenario)


def test_the_invite_links_screens_pass_axe_fit_a_phone_and_are_photographed(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group, (poster, _) = a_group_with_links(api, biz)
    keep = server.backend == "sqlite"

    async def walk(browser: Browser, dark: bool) -> list[str]:
        """Every screen of the links, in one colour scheme: what axe found on them."""
        page = await as_business(browser, server, biz, dark=dark)
        problems: list[str] = []

        async def check(name: str) -> None:
            await fits_the_phone(page, name)
            if keep and not dark and name in PHOTOGRAPHED:
                await shoot(page, name)
            try:
                await assert_accessible(page, name + (" (dark)" if dark else ""))
            except AssertionError as found:
                problems.append(str(found))

        await page.goto(screen_of(server, group["id"]))
        rows = page.get_by_role("list", name="Working links").get_by_role("listitem")
        assert await rows.count() == 2  # used up and revoked are under their filters
        await check("console-invite-links")

        await page.goto(screen_of(server, group["id"], "invite?show=used_up"))
        assert "Guides" in await page.get_by_role("list", name="Used up links").inner_text()
        await check("console-links-used-up")

        await page.goto(screen_of(server, group["id"], "invite/new"))
        await page.get_by_label("Name").fill("Open day at the station")
        await page.get_by_label("Member limit").fill("50")
        await check("console-link-new")

        await page.get_by_label("Member limit").fill("none")
        await click_through(page, page.get_by_role("button", name="Make link"))
        assert await page.get_by_label("Member limit").get_attribute("aria-invalid") == "true"
        await check("console-link-refused")

        await page.goto(screen_of(server, group["id"], f"invite/links/{poster}"))
        await check("console-link")
        await page.goto(screen_of(server, group["id"], f"invite/links/{poster}/edit"))
        await check("console-link-edit")
        await page.goto(screen_of(server, group["id"], "settings"))
        await check("console-settings-links")
        return problems

    async def scenario() -> None:
        async with chromium() as browser:
            problems = await walk(browser, dark=False) + await walk(browser, dark=True)
            assert problems == [], "\n".join(problems)

    run(scenario)
