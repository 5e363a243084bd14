"""Graph-style ``paging`` objects with absolute next/previous URLs on this server."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from fastapi import Query, Request
from typing_extensions import TypedDict

from grouplink.domain.cursors import PAGE_MAX
from grouplink.store.paging import Page

# A listing's ``limit`` query parameter; the default page is 25 long.
PageLimit = Annotated[int, Query(ge=1, le=PAGE_MAX)]


class Cursors(TypedDict, total=False):
    before: str
    after: str


class Paging(TypedDict):
    cursors: Cursors
    previous: NotRequired[str]  # absolute URLs of the neighbouring pages, where there are
    next: NotRequired[str]


def paging(request: Request, page: Page[Any], limit: int) -> Paging:
    """Meta's cursors are strings: an empty page has none, so it says none (never null)."""
    cursors: Cursors = {}
    if page.before:
        cursors["before"] = page.before
    if page.after:
        cursors["after"] = page.after
    result: Paging = {"cursors": cursors}
    if page.has_previous and page.before:
        result["previous"] = _url(request, limit, before=page.before)
    if page.has_next and page.after:
        result["next"] = _url(request, limit, after=page.after)
    return result


def _url(request: Request, limit: int, **cursor: str) -> str:
    """Absolute and on this server: on GROUPLINK_PUBLIC_URL when it is set (behind a proxy)."""
    params = {
        k: v for k, v in request.query_params.items() if k not in ("after", "before", "limit")
    }
    url = request.url.replace_query_params(**params, limit=limit, **cursor)
    public: str = request.app.state.settings.public_url
    if public:
        return f"{public.rstrip('/')}{url.path}?{url.query}"
    return str(url)
