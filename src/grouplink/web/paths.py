"""Which requests belong to the web door: the rule that picks HTML over the Graph envelope.

Pages are the web door's prefixes and the one-segment invite links ``/{CODE}``.
Everything else, ``/v23.0/...``, ``/sandbox/...``, ``/openapi.json`` and the
other operational roots, is the API and errs in the Graph envelope.
"""

from __future__ import annotations

import re

from starlette.convertors import Convertor, register_url_convertor

PAGE_PREFIXES = ("/static/", "/signin", "/signout", "/pictures/", "/console")
API_ROOTS = frozenset({"openapi.json", "docs", "redoc", "healthz", "metrics"})


def is_page_path(path: str) -> bool:
    if path.startswith(PAGE_PREFIXES):
        return True
    segment = path[1:]
    return bool(segment) and "/" not in segment and segment not in API_ROOTS


class _LinkSegment(Convertor[str]):
    """One path segment that is not one of the API's roots: the link page never
    shadows ``/healthz``, ``/metrics`` or ``/docs``, wherever they are routed."""

    regex = "(?!(?:" + "|".join(re.escape(root) for root in sorted(API_ROOTS)) + ")$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("link_segment", _LinkSegment())
LINK_PAGE = "/{code:link_segment}"
