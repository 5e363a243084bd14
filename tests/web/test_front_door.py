"""``GET /``: a page for a browser, the same facts as JSON for an API client; and in
Chromium, the page leads into the console and passes axe in light and dark."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Server
from tests.web.browser import (
    assert_accessible,
    chromium,
    fits_the_phone,
    heading,
    phone,
    require_browser,
    run,
    shoot,
)
from tests.web.pages import Page

# What Chromium, Firefox and Safari send for a page they navigate to.
BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
)


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, */*"])
def test_api_clients_get_where_each_door_is(server: Server, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        answer = http.get("/", headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["vary"] == "Accept"
        info = answer.json()
        assert info["name"] == "grouplink"
        assert info["graph_api"] == f"{server.base_url}/v23.0"
        assert info["sandbox"] is True  # the tests' servers run the local profile
        # Every address it gives answers, as its door does.
        assert http.get(info["openapi"]).json()["info"]["title"]
        assert http.get(info["api_reference"]).headers["content-type"].startswith("text/html")
        console = http.get(info["console"])
        assert console.status_code == 303 and "/signin" in console.headers["location"]
        token_check = http.get(f"{info['graph_api']}/AbCdEfGhIjKlMnOpQrStUvWx")
        assert token_check.json()["error"]["code"] == 104  # the Graph API, asking for a token


def test_a_browser_gets_a_page_that_leads_in(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        answer = http.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["vary"] == "Accept"
    assert "content-security-policy" in answer.headers
    page = Page(answer)
    assert page.headings[0] == "Group invite links, served here"
    assert {"/console", "/docs", "/openapi.json"} <= {href for _, href in page.links}
    assert f"{server.base_url}/v23.0" in page.text
    assert "sandbox helpers are on" in page.text


def test_json_wins_where_the_client_says_so() -> None:
    from grouplink.web.front_door import prefers_html

    assert prefers_html(BROWSER_ACCEPT)
    assert prefers_html("text/html")
    assert not prefers_html("")
    assert not prefers_html("*/*")
    assert not prefers_html("text/html;q=0.5, application/json")
    assert not prefers_html("text/html;q=0, */*")
    assert prefers_html("application/json;q=0.4, text/html;q=0.9")
    assert not prefers_html("text/html;q=oops, */*;q=0.1")  # a broken q counts as 0


def test_the_page_in_chromium(server: Server) -> None:
    require_browser()

    async def scenario() -> None:
        async with chromium() as browser:
            for dark in (False, True):
                context = await phone(browser, dark=dark)
                page = await context.new_page()
                await page.goto(server.base_url + "/")
                headings = await heading(page)
                assert headings == "Group invite links, served here | Code written for Meta"
                await fits_the_phone(page, "the front door")
                await assert_accessible(page, f"the front door ({'dark' if dark else 'light'})")
                if not dark:
                    await shoot(page, "front-door")
                    await page.get_by_role("link", name="Open the admin console").click()
                    await page.wait_for_url("**/signin**")
                    assert "Sign in" in await heading(page)
                await context.close()

    run(scenario)
