"""The one rule that picks an HTML error page over the Graph envelope."""

from __future__ import annotations

import pytest
from starlette.routing import compile_path

from grouplink.paths import LINK_PAGE, is_page_path


@pytest.mark.parametrize(
    "path",
    [
        "/AbCdEfGhIjKlMnOpQrStUv",
        "/not-a-code",
        "/favicon.ico",
        "/signin",
        "/signin/code",
        "/signout",
        "/static/grouplink.css",
        "/static/missing.css",
        "/pictures/AbCdEfGhIjKlMnOpQrStUv",
    ],
)
def test_pages(path: str) -> None:
    assert is_page_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v23.0/123/groups",
        "/v23.0/AbCdEfGhIjKlMnOpQrStUvWx",
        "/23.0/AbCdEfGhIjKlMnOpQrStUvWx",
        "/vX/group",
        "/sandbox/invites/x/join",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/healthz",
        "/readyz",
        "/metrics",
    ],
)
def test_api(path: str) -> None:
    assert not is_page_path(path)


@pytest.mark.parametrize(
    ("path", "graph"),
    [
        ("/v23.0/AbCdEfGhIjKlMnOpQrStUvWx", True),
        ("/vX/group", True),  # the route answers it, with error 100
        ("/static/favicon.svg", False),
        ("/console/groups", False),
        ("/signin/code", False),
        ("/pictures/AbCdEfGhIjKlMnOpQrStUv", False),
        ("/sandbox/invites", False),
        ("/docs/assets", False),
    ],
)
def test_graph_routes_tried_first_shadow_no_fixed_root(path: str, graph: bool) -> None:
    regex, _, _ = compile_path("/{version:graph_version}/{group_id}")
    assert bool(regex.match(path)) is graph


@pytest.mark.parametrize("segment", ["signin", "signout", "console", "healthz", "readyz", "docs"])
def test_the_link_page_tried_first_shadows_no_root(segment: str) -> None:
    regex, _, _ = compile_path(LINK_PAGE)
    assert regex.match("/AbCdEfGhIjKlMnOpQrStUv") and not regex.match(f"/{segment}")
