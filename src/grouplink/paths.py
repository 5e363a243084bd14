"""Which door a path belongs to: the rule that picks HTML over the Graph envelope, and
the path segments (``link_segment``, ``graph_version``) that keep the doors' routes apart.

Pages are the web door's prefixes and the one-segment invite links ``/{CODE}``.
Everything else, ``/v23.0/...``, ``/sandbox/...``, ``/openapi.json`` and the
other operational roots, is the API and errs in the Graph envelope.
"""

from __future__ import annotations

import re

from starlette.convertors import Convertor, register_url_convertor

PAGE_PREFIXES = ("/static/", "/signin", "/signout", "/pictures/", "/console")
API_ROOTS = frozenset({"openapi.json", "docs", "redoc", "healthz", "readyz", "metrics"})


def is_page_path(path: str) -> bool:
    if path.startswith(PAGE_PREFIXES):
        return True
    segment = path[1:]
    return bool(segment) and "/" not in segment and segment not in API_ROOTS


# Every fixed first segment: the pages', the sandbox's and the operational roots.
ROOTS = frozenset({p.strip("/") for p in PAGE_PREFIXES}) | API_ROOTS | {"sandbox"}


def link_code(path: str) -> str | None:
    """The invite code when ``path`` is a link page's (``/{CODE}``), else None."""
    segment = path[1:]
    if path.startswith("/") and segment and "/" not in segment and segment not in ROOTS:
        return segment
    return None


class _NotARoot(Convertor[str]):
    """One path segment that is none of :data:`ROOTS`: a route that starts with one
    shadows no route under those roots, wherever it stands in the list."""

    regex = "(?!(?:" + "|".join(re.escape(root) for root in sorted(ROOTS)) + ")(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


# The link page /{CODE} and the Graph API's version (``v23.0``) are tried before the
# routes under fixed roots (the hot paths first: FastAPI tries routes in order).
register_url_convertor("link_segment", _NotARoot())
register_url_convertor("graph_version", _NotARoot())
LINK_PAGE = "/{code:link_segment}"
