"""Errors on pages are pages; errors of the API stay in the Graph envelope."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Server
from tests.graph.helpers import assert_envelope
from tests.support import TIMEOUT_S, Business, create_group
from tests.web.pages import Page


def assert_error_page(answer: httpx.Response, status: int, heading: str) -> Page:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html"), answer.headers
    assert "content-security-policy" in answer.headers
    page = Page(answer)
    assert page.headings == [heading], page.text
    assert "OAuthException" not in answer.text and "fbtrace_id" not in answer.text
    return page


def test_page_errors_are_html(server: Server, api: httpx.Client, biz: Business) -> None:
    code = create_group(api, biz)["code"]
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT_S) as http:
        assert_error_page(http.get("/static/missing.css"), 404, "Page not found")
        assert_error_page(http.get("/pictures/AbCdEfGhIjKlMnOpQrStUv"), 404, "Page not found")
        assert_error_page(http.put(f"/{code}"), 405, "Page not found")
        assert_error_page(http.delete("/signout"), 405, "Page not found")
        # Under the web door's prefixes, nothing falls through to the Graph routes.
        for method, path in (
            ("GET", "/signin/code"),
            ("GET", "/signin/x/y"),
            ("POST", "/signout/x"),
            ("PUT", "/pictures/AbCdEfGhIjKlMnOpQrStUv"),
        ):
            assert_error_page(http.request(method, path), 404, "Page not found")
        too_big = b"x" * (7 * 1024 * 1024)
        assert_error_page(http.post("/signin", content=too_big), 413, "That's too much")
        css = http.get("/static/grouplink.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_api_errors_keep_the_envelope(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT_S) as http:
        assert_envelope(http.post("/"), 405)  # GET / is the front door
        assert_envelope(http.get("/v23.0/AbCdEfGhIjKlMnOpQrStUvWx"), 401, 104)
        assert_envelope(http.get("/23.0/AbCdEfGhIjKlMnOpQrStUvWx"), 401, 104)
        assert_envelope(http.post("/sandbox/nothing/here/at/all"), 404)
        assert_envelope(http.post("/healthz"), 405)
        assert_envelope(http.post("/openapi.json"), 405)
        assert_envelope(http.post("/metrics"), 405)  # GET /metrics: tests/test_metrics.py
        assert http.get("/openapi.json").headers["content-type"] == "application/json"


def test_the_link_page_is_not_in_the_api_description(server: Server) -> None:
    paths = httpx.get(f"{server.base_url}/openapi.json", timeout=TIMEOUT_S).json()["paths"]
    assert not [p for p in paths if p.startswith(("/{code}", "/signin", "/signout", "/pictures"))]


def test_the_api_docs_list_the_groups_first_and_every_section_in_order(server: Server) -> None:
    described = httpx.get(f"{server.base_url}/openapi.json", timeout=TIMEOUT_S).json()
    declared = [tag["name"] for tag in described["tags"]]
    used = {t for path in described["paths"].values() for op in path.values() for t in op["tags"]}
    assert declared[:2] == ["Groups", "Invite links"] and set(declared) == used


def test_the_api_docs_work_without_internet(server: Server) -> None:
    """/docs and /redoc load their scripts from this server: no CDN, so they work offline."""
    for path, marker in (("/docs", "swagger-ui"), ("/redoc", "redoc")):
        page = httpx.get(f"{server.base_url}{path}", timeout=TIMEOUT_S)
        assert page.status_code == 200 and marker in page.text
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/") for s in sources), sources
        for source in sources:
            assert httpx.get(f"{server.base_url}{source}", timeout=TIMEOUT_S).status_code == 200, (
                source
            )
