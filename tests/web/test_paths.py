"""The one rule that picks an HTML error page over the Graph envelope."""

from __future__ import annotations

import pytest

from grouplink.paths import is_page_path


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
        "/metrics",
    ],
)
def test_api(path: str) -> None:
    assert not is_page_path(path)
