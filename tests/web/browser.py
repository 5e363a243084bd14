"""A real headless Chromium (Debian's ``chromium``) on a phone-sized screen.

Outside CI a missing Chromium or Playwright skips the browser tests with the
reason; in CI (``CI=true``) it fails them. Playwright drives the system
browser: nothing is downloaded.

Every page a test opens in a context from :func:`new_context` (:func:`phone` and
:func:`laptop` use it) is watched (:class:`Watch`), and :func:`run` fails the test on
any script error, CSP violation or resource that failed to load, with no asking.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
# Screenshots go to a scratch folder unless GROUPLINK_SCREENSHOTS_DIR names one,
# e.g. docs/screenshots to refresh the documentation's pictures.
SCREENSHOTS = Path(
    os.environ.get("GROUPLINK_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="grouplink-shots-")
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def require_browser() -> None:
    """Skip (locally) or fail (in CI) when the browser or its driver is missing."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing: apt-get install chromium"
    else:
        try:
            import axe_playwright_python  # noqa: F401
            import playwright  # noqa: F401
        except ImportError as error:
            problem = f"{error.name} is not installed: pip install -e '.[test]'"
    if problem is None:
        return
    pytest.skip(f"no browser here ({problem}); CI runs these tests")


@dataclass
class _Shared:
    """One Chromium for all the browser tests of a test process: a launch costs 2 s or
    more, and each test gets contexts of its own (cookies, storage, cache) anyway.
    It lives on one event loop, the one :func:`run` keeps."""

    runner: asyncio.Runner | None = None
    driver: Playwright | None = None
    browser: Browser | None = None


_shared = _Shared()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """The test process's Chromium, launched by the first test that asks (or again if it
    went away); every context the test opened is closed when the block ends."""
    from playwright.async_api import async_playwright

    runner = _shared.runner
    on_its_loop = runner is not None and asyncio.get_running_loop() is runner.get_loop()
    assert on_its_loop, "drive the browser inside tests.web.browser.run"
    if _shared.driver is None:
        _shared.driver = await async_playwright().start()
    if _shared.browser is None or not _shared.browser.is_connected():
        _shared.browser = await _shared.driver.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS
        )
    browser = _shared.browser
    try:
        yield browser
        unwatched = [c for c in browser.contexts if c not in _watched.contexts]
        assert not unwatched, "open browser contexts with tests.web.browser.new_context"
    finally:
        for watch in _watched.watches:
            watch.closing = True  # what closing cuts short is no fault of the page
        for context in browser.contexts:
            await context.close()


def close_chromium() -> None:
    """End the shared Chromium and its driver (tests/web/conftest.py, as the session ends)."""
    runner = _shared.runner
    if runner is None:
        return

    async def close() -> None:
        if _shared.browser is not None:
            await _shared.browser.close()
        if _shared.driver is not None:
            await _shared.driver.stop()

    try:
        runner.run(close())
    finally:
        runner.close()
        _shared.runner = _shared.driver = _shared.browser = None


@dataclass
class _Watched:
    """What the current :func:`run` opened: contexts, and the Watch of each of their pages."""

    contexts: list[BrowserContext] = field(default_factory=list)
    watches: list[Watch] = field(default_factory=list)


# Every page of every browser test is watched without asking: run() fails the test on
# what the pages saw, as a person's browser would show it in its console.
_watched = _Watched()


async def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """``browser.new_context(**options)``, with every page it opens watched (:class:`Watch`).
    Open contexts only so: :func:`chromium` fails the test on one opened otherwise."""
    context = await browser.new_context(**options)
    context.on("page", lambda page: _watched.watches.append(Watch(page)))
    _watched.contexts.append(context)
    return context


async def phone(browser: Browser, *, dark: bool = False) -> BrowserContext:
    """A phone-sized screen (390x844 CSS pixels, 2x), as most links are opened on phones."""
    return await new_context(
        browser,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        color_scheme="dark" if dark else "light",
        locale="en-US",
    )


async def laptop(browser: Browser, *, dark: bool = False) -> BrowserContext:
    """A laptop-sized screen, as an admin at a desk has."""
    return await new_context(
        browser, viewport=LAPTOP, color_scheme="dark" if dark else "light", locale="en-US"
    )


async def allow_clipboard(context: BrowserContext, origin: str) -> None:
    """Let ``origin``'s pages write the clipboard and the test read it back."""
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)


async def clipboard(page: Page) -> str:
    """What a paste would give now (needs :func:`allow_clipboard`)."""
    text: str = await page.evaluate("() => navigator.clipboard.readText()")
    return text


async def sign_in_with_code(page: Page, wa_id: str, back_to: str | re.Pattern[str]) -> None:
    """On the phone sign-in page: type the number, then the code the sandbox shows,
    and wait to be sent on to ``back_to`` (a path, or a pattern of the whole URL)."""
    await page.fill("#phone", "+" + wa_id)
    async with page.expect_navigation(url=re.compile(r"/signin$")):
        await page.press("#phone", "Enter")
    code = (await page.locator("[data-sandbox-code]").inner_text()).strip()
    await page.fill("#code", code)
    target = re.compile(re.escape(back_to) + "$") if isinstance(back_to, str) else back_to
    async with page.expect_navigation(url=target):
        await page.press("#code", "Enter")


async def signed_in_already(
    context: BrowserContext,
    base_url: str,
    database_url: str,
    *,
    wa_id: str | None = None,
    business_id: str | None = None,
) -> None:
    """Give the browser a session as if it had signed in earlier (a person by phone,
    or a business with its token): for tests whose subject is not signing in, so
    that they spend neither time nor the per-address sign-in limits on it."""
    from grouplink.services import sessions
    from grouplink.services.core import Core
    from grouplink.settings import normalize_database_url
    from grouplink.store.database import Database
    from grouplink.web import csrf
    from grouplink.web.context import SESSION_COOKIE

    db = Database(normalize_database_url(database_url), pool_size=1)
    try:
        core = Core(db=db, link_base="")
        new = await sessions.start_session(core, 3600, wa_id=wa_id, business_id=business_id)
    finally:
        await db.dispose()
    await context.add_cookies(
        [
            {"name": name, "value": value, "url": base_url, "httpOnly": True, "sameSite": "Lax"}
            for name, value in ((SESSION_COOKIE, new.token), (csrf.COOKIE, csrf.new_cookie_value()))
        ]
    )


class Watch:
    """Collects what must not happen on a page: CSP violations, script errors, console
    errors, and any resource (style, script, picture, font) that fails to load."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        # Which page each request was made on: a load aborted because the page moved
        # on is no fault, but one aborted on the page that still shows is (a picture
        # the browser gave up on, say), so ERR_ABORTED alone excuses nothing. A page
        # moves on from when its next navigation starts (Chromium then cuts short what
        # it still loads: its favicon, say) until the next page shows; and it is done
        # with once the test closes it.
        self._page = page
        self._moves = 0
        self._leaving = False
        self.closing = False  # set by chromium() before it closes the test's contexts
        self._made_on: dict[Any, tuple[int, bool]] = {}
        page.on("framenavigated", self._navigated)
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        # Chromium logs every answer of 400 and up so; :meth:`_response` judges them,
        # knowing which was the page itself (a dead link's page is rightly a 404 or 410).
        answered = message.text.startswith("Failed to load resource: the server responded")
        if (message.type == "error" and not answered) or "Content Security Policy" in message.text:
            self.problems.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not response.request.is_navigation_request():
            self.problems.append(f"{response.status} for {response.url}")

    def _request(self, request: Any) -> None:
        # A navigation request always has a frame; a service worker's request has none.
        if request.is_navigation_request() and request.frame == self._page.main_frame:
            self._moves, self._leaving = self._moves + 1, True
        self._made_on.setdefault(request, (self._moves, self._leaving))

    def _navigated(self, frame: Any) -> None:
        if frame == self._page.main_frame:
            self._moves, self._leaving = self._moves + 1, False

    def _failed(self, request: Any) -> None:
        if request.is_navigation_request():
            if request.frame == self._page.main_frame:
                self._leaving = False  # it went nowhere (a download, say): the page stays
            return  # the page itself: the test checks what it shows
        made_at, while_leaving = self._made_on.pop(request, (self._moves, False))
        moved_on = while_leaving or made_at < self._moves or self.closing
        # A load cut short by the page moving on (a form sent, a link followed) is not a fault.
        if not (request.failure == "net::ERR_ABORTED" and moved_on):
            self.problems.append(f"{request.url} failed: {request.failure}")


async def assert_accessible(page: Page, label: str) -> None:
    """axe-core finds nothing serious or critical on the page as it is now."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{label}: " + "\n".join(bad)


async def tab_to(page: Page, selector: str, *, limit: int = 25) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        if await target.evaluate("(el) => el === document.activeElement"):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


async def press_enter_and_wait(page: Page, url: str | re.Pattern[str]) -> None:
    async with page.expect_navigation(url=url):
        await page.keyboard.press("Enter")


async def heading(page: Page) -> str:
    return " | ".join(
        text.strip() for text in await page.locator("h1, h2").all_inner_texts() if text.strip()
    )


async def shoot(page: Page, name: str) -> None:
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def shoot_screen(page: Page, name: str) -> None:
    """Only what is on the screen now: for a dialog, which sits in the middle of it."""
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def run(work: Callable[[], Awaitable[None]]) -> None:
    """Run a browser test's ``work``; then fail it on what any page it opened saw
    (:class:`Watch`): a script error, a CSP violation, a resource that did not load.
    Every run is on the same event loop, where the shared Chromium lives."""
    global _watched
    _watched = _Watched()
    if _shared.runner is None:
        _shared.runner = asyncio.Runner()
    try:
        _shared.runner.run(work())
        problems = [problem for watch in _watched.watches for problem in watch.problems]
        assert problems == [], "the pages met problems:\n" + "\n".join(problems)
    finally:
        _watched = _Watched()


async def fits_the_phone(page: Page, label: str) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on a phone."""
    # An emulated phone widens its layout to fit what sticks out: check the width too.
    width = await page.evaluate("() => window.innerWidth")
    wide = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert width == PHONE["width"] and wide <= 0, f"{label} is {wide}px wider than the phone"
