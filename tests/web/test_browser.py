"""A person in a real headless Chromium, on a phone, with the keyboard alone.

They open a link, sign in with the code the sandbox shows, ask to join; the
business approves through the Graph API; the person reloads and is in; the
business resets the link; the old link's page says so and the new one works.
axe-core checks every page on the way. A second test walks through every
state of the link page and takes a screenshot of each (kept in docs/screenshots/
when run with GROUPLINK_SCREENSHOTS_DIR=docs/screenshots).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import WHATSAPP, approval_group, joined, pending_of, phone
from tests.graph.helpers import reset_link as graph_reset_link
from tests.graph.links_support import in_seconds, new_link, wait_until
from tests.support import Business, create_group
from tests.web.browser import (
    assert_accessible,
    chromium,
    heading,
    new_context,
    press_enter_and_wait,
    require_browser,
    run,
    shoot,
    tab_to,
)
from tests.web.browser import (
    phone as phone_screen,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = pytest.mark.browser

DESCRIPTION = "We read one novel a month and meet on the first Thursday.\nNew members welcome!"


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


# The business's side, through the Graph API (run off the browser's event loop).


def approve_everyone(api: httpx.Client, group_id: str) -> None:
    ids = [r["join_request_id"] for r in pending_of(api, group_id)]
    answer = api.post(f"/{group_id}/join_requests", json={**WHATSAPP, "join_requests": ids})
    assert answer.status_code == 200, answer.text


def remove(api: httpx.Client, group_id: str, wa_id: str) -> None:
    body = {**WHATSAPP, "participants": [{"user": wa_id}]}
    answer = api.request("DELETE", f"/{group_id}/participants", json=body)
    assert answer.status_code == 200, answer.text


def set_picture(api: httpx.Client, group_id: str, jpeg: bytes) -> None:
    files = {"profile_picture_file": ("cover.jpg", jpeg, "image/jpeg")}
    answer = api.post(f"/{group_id}", data=WHATSAPP, files=files)
    assert answer.status_code == 200, answer.text


async def sign_in_by_keyboard(page: Page, wa_id: str, back_to: str) -> None:
    """From the sign-in page: type the number, then the code the sandbox shows."""
    await tab_to(page, "#phone")
    await page.keyboard.type("+" + wa_id)
    await press_enter_and_wait(page, re.compile(r"/signin$"))
    assert await heading(page) == "Enter your code"
    await assert_accessible(page, "code page")
    code = (await page.locator("[data-sandbox-code]").inner_text()).strip()
    await tab_to(page, "#code")
    await page.keyboard.type(code)
    await press_enter_and_wait(page, re.compile(re.escape(back_to) + "$"))


def test_ask_approve_reset_on_a_phone_by_keyboard(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz, subject="Book club", description=DESCRIPTION)
    wa_id = phone(77)

    async def scenario() -> None:
        async with chromium() as browser:
            context = await phone_screen(browser)
            page = await context.new_page()

            opened = await page.goto(group["invite_link"])
            assert opened is not None and opened.status == 200
            assert await heading(page) == "Book club"
            await assert_accessible(page, "link page, signed out")

            await tab_to(page, "a.button")
            assert (await page.locator("a.button").inner_text()) == "Request to join"
            await press_enter_and_wait(page, re.compile(r"/signin\?next="))
            assert await heading(page) == "Sign in"
            await assert_accessible(page, "sign-in page")
            await sign_in_by_keyboard(page, wa_id, f"/{group['code']}")

            # "Request to join" was pressed before signing in: it was sent on the way back.
            assert "Signed in as" in await page.locator("header").inner_text()
            assert await heading(page) == "Book club | Request sent"
            await assert_accessible(page, "request sent")

            # The business approves through the Graph API; the person reloads.
            await asyncio.to_thread(approve_everyone, api, group["id"])
            await page.reload()
            assert await heading(page) == "Book club | You're in"
            await assert_accessible(page, "you're in")

            # The business resets the link: the old page says so, the new link works.
            new_link = await asyncio.to_thread(graph_reset_link, api, group["id"])
            dead = await page.goto(group["invite_link"])
            assert dead is not None and dead.status == 410
            assert await heading(page) == "This invite link was reset"
            assert "Book club" not in await page.content()
            await assert_accessible(page, "reset link")
            await page.goto(new_link)
            assert await heading(page) == "Book club | You're in"

            stranger = await (await phone_screen(browser)).new_page()
            await stranger.goto(new_link)
            assert await stranger.locator("a.button").inner_text() == "Request to join"

    run(scenario)


def test_signing_out_by_keyboard(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz, subject="Walkers")

    async def scenario() -> None:
        async with chromium() as browser:
            page = await (await phone_screen(browser)).new_page()
            await page.goto(f"{biz.root}/signin?next=/{group['code']}")
            await sign_in_by_keyboard(page, phone(78), f"/{group['code']}")
            await tab_to(page, "header button")
            await press_enter_and_wait(page, re.compile(re.escape(group["code"]) + "$"))
            assert "Signed in as" not in await page.locator("header").inner_text()
            assert await page.locator("a.button").inner_text() == "Join group"

    run(scenario)


# --- every state, photographed ------------------------------------------------------------


async def book_cover(browser: Browser) -> bytes:
    """A square JPEG drawn by the browser itself: a stack of books on green."""
    context = await new_context(browser, viewport={"width": 320, "height": 320})
    page = await context.new_page()
    spines = "".join(
        f'<div style="height:34px;width:{w}px;margin:6px auto;border-radius:6px;'
        f'background:{c};box-shadow:inset 0 -5px 0 rgba(0,0,0,.15)"></div>'
        for w, c in ((190, "#ffd166"), (220, "#ef476f"), (170, "#f8f9fa"), (205, "#118ab2"))
    )
    await page.set_content(
        '<body style="margin:0"><div style="width:320px;height:320px;display:flex;'
        "flex-direction:column;justify-content:center;"
        f'background:linear-gradient(135deg,#25d366,#075e54)">{spines}</div></body>'
    )
    image = await page.screenshot(type="jpeg", quality=90)
    await context.close()
    return image


def test_screenshots_of_every_state(api: httpx.Client, biz: Business, server: Server) -> None:
    me = phone(42)
    book_club = create_group(api, biz, subject="Book club", description=DESCRIPTION)
    for n in range(1, 5):
        joined(biz, book_club["code"], phone(n))
    hikers = approval_group(
        api, biz, subject="Weekend hikers", description="Trails around the city, every Saturday."
    )
    for n in range(1, 4):
        joined(biz, hikers["code"], phone(n))
    strict = create_group(api, biz, subject="Chess night")
    full = create_group(api, biz, subject="Dinner for eight")
    for n in range(1, 9):
        joined(biz, full["code"], phone(n))
    reset = create_group(api, biz, subject="Old friends")
    graph_reset_link(api, reset["id"])
    garden = create_group(api, biz, subject="Garden club", description="Seeds, soil and tea.")
    paused = new_link(api, garden["id"], name="Flyer", paused_until=in_seconds(3 * 86_400))
    soon = in_seconds(2)
    expired = new_link(api, garden["id"], name="Last week's poster", expire_time=soon)
    for_others = new_link(api, garden["id"], allowed_users=[{"user": phone(77)}])
    poets = approval_group(api, biz, subject="Poetry circle")
    questions = ["Your favourite poem?", "What would you like to read with us?"]
    api.post(f"/{poets['id']}", json={**WHATSAPP, "join_questions": questions})

    async def scenario() -> None:
        async with chromium() as browser:
            await asyncio.to_thread(set_picture, api, book_club["id"], await book_cover(browser))

            async def visit(page: Page, url: str, name: str, expect: str) -> None:
                await page.goto(url)
                assert expect in await heading(page), (name, await heading(page))
                await assert_accessible(page, name)
                await shoot(page, name)

            out = await (await phone_screen(browser)).new_page()
            await visit(out, book_club["invite_link"], "link-join", "Book club")
            await visit(out, f"{biz.root}/signin", "signin-phone", "Sign in")
            await visit(out, reset["invite_link"], "link-reset", "was reset")
            await visit(out, f"{biz.root}/{'Zz' * 11}", "link-gone", "no longer works")
            dark = await (await phone_screen(browser, dark=True)).new_page()
            await visit(dark, book_club["invite_link"], "link-join-dark", "Book club")
            await dark.goto(hikers["invite_link"])

            page = await (await phone_screen(browser)).new_page()
            await page.goto(f"{biz.root}/signin?next=/{hikers['code']}")
            await page.fill("#phone", "+" + me)
            await page.keyboard.press("Enter")
            await page.wait_for_selector("[data-sandbox-code]")
            await assert_accessible(page, "signin-code")
            await shoot(page, "signin-code")
            code = (await page.locator("[data-sandbox-code]").inner_text()).strip()
            await page.fill("#code", code)
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            await visit(page, hikers["invite_link"], "link-request", "Weekend hikers")
            async with page.expect_navigation():
                await page.click("button.button")
            await visit(page, hikers["invite_link"], "link-requested", "Request sent")
            async with page.expect_navigation():
                await page.click("button.button")
            assert await page.locator(".notice").inner_text() == "You withdrew your request."
            await shoot(page, "link-withdrawn")

            await page.goto(book_club["invite_link"])
            async with page.expect_navigation():
                await page.click("button.button")
            assert "You're in" in await heading(page)
            await assert_accessible(page, "link-joined")
            await shoot(page, "link-joined")
            await visit(page, book_club["invite_link"], "link-member", "You're in")

            await page.goto(strict["invite_link"])
            async with page.expect_navigation():
                await page.click("button.button")
            await asyncio.to_thread(remove, api, strict["id"], me)
            await visit(page, strict["invite_link"], "link-banned", "You can't join")
            await visit(page, full["invite_link"], "link-full", "This group is full")
            await visit(page, paused["invite_link"], "link-paused", "Joining is paused")
            await visit(page, for_others["invite_link"], "link-not-allowed", "someone else")
            await visit(page, poets["invite_link"], "link-questions", "Poetry circle")
            assert await page.get_by_label(questions[0]).is_visible()
            await asyncio.to_thread(wait_until, soon)
            await visit(page, expired["invite_link"], "link-expired", "has expired")

    run(scenario)
