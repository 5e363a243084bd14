"""The browser tests' Watch is on for every page they open: a picture that fails to load or
a script error fails the test that met it; a load cut short by leaving the page does not.

The pages here are answered by the browser's own router (``page.route``), so no server
is needed: what is checked is the Watch, the same on either backend."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

import pytest

from tests.web.browser import chromium, new_context, require_browser, run

if TYPE_CHECKING:
    from playwright.async_api import Page, Route

pytestmark = pytest.mark.browser

SITE = "http://watch.test"
PAGE = '<!doctype html><html lang="en"><head><title>{0}</title>{1}</head><body>{0}</body></html>'


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


async def serve(page: Page, head: str = "", *, slow_next: bool = False) -> None:
    """``/`` and ``/next`` as small pages with ``head`` in them; ``/missing.png`` is a 404;
    ``/hangs.svg`` never answers; ``slow_next``: ``/next`` takes a second to answer."""

    async def answer(route: Route) -> None:
        path = route.request.url.removeprefix(SITE)
        if path == "/hangs.svg":
            return  # never fulfilled: the load is in flight until something ends it
        if path == "/missing.png":
            await route.fulfill(status=404, body="not here")
            return
        if path == "/next" and slow_next:
            await asyncio.sleep(1)
        await route.fulfill(content_type="text/html", body=PAGE.format(path, head))

    await page.route(f"{SITE}/**", answer)


def test_a_picture_that_fails_to_load_fails_the_test() -> None:
    async def work() -> None:
        async with chromium() as browser:
            page = await (await new_context(browser)).new_page()
            await serve(page, '<link rel="icon" href="/missing.png">')
            await page.goto(f"{SITE}/")
            await page.wait_for_event("requestfinished", predicate=lambda r: "missing" in r.url)

    with pytest.raises(AssertionError, match=re.escape("404 for http://watch.test/missing.png")):
        run(work)


def test_a_script_error_fails_the_test() -> None:
    async def work() -> None:
        async with chromium() as browser:
            page = await (await new_context(browser)).new_page()
            await serve(page, "<script>throw new Error('broken on purpose')</script>")
            await page.goto(f"{SITE}/")

    with pytest.raises(AssertionError, match="page error: broken on purpose"):
        run(work)


def test_a_load_cut_short_by_going_to_the_next_page_is_no_fault() -> None:
    """The old page's favicon is still loading when the next page is asked for, and the
    next page is slow to come: the browser ends the favicon's load before it shows."""

    async def work() -> None:
        async with chromium() as browser:
            page = await (await new_context(browser)).new_page()
            await serve(page, '<link rel="icon" href="/hangs.svg">', slow_next=True)
            async with page.expect_request(f"{SITE}/hangs.svg"):
                await page.goto(f"{SITE}/")
            await page.goto(f"{SITE}/next")
            assert await page.title() == "/next"

    run(work)


def test_a_load_started_as_the_page_leaves_is_no_fault() -> None:
    """A script sends the page on and asks for a picture in the same breath."""
    script = (
        "<script>if (location.pathname === '/') "
        "{ location.href = '/next'; new Image().src = '/hangs.svg' }</script>"
    )

    async def work() -> None:
        async with chromium() as browser:
            page = await (await new_context(browser)).new_page()
            await serve(page, script, slow_next=True)
            async with page.expect_navigation(url=f"{SITE}/next"):
                await page.goto(f"{SITE}/", wait_until="commit")
            assert await page.title() == "/next"

    run(work)


def test_a_load_still_going_when_the_test_ends_is_no_fault() -> None:
    async def work() -> None:
        async with chromium() as browser:
            page = await (await new_context(browser)).new_page()
            await serve(page, '<link rel="icon" href="/hangs.svg">')
            async with page.expect_request(f"{SITE}/hangs.svg"):
                await page.goto(f"{SITE}/")

    run(work)


def test_a_browser_context_opened_around_the_watch_fails_the_test() -> None:
    async def work() -> None:
        async with chromium() as browser:
            await browser.new_context()

    with pytest.raises(AssertionError, match=re.escape("tests.web.browser.new_context")):
        run(work)
