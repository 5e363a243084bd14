"""Every request's typed text meets the rule of :mod:`grouplink.domain.text` here,
whatever its door: path segments, query parameters and a page's form fields.
(Graph API bodies meet it where they are read: :func:`grouplink.graph.body.read_body`.)
"""

from __future__ import annotations

from fastapi import Request

from grouplink.domain.text import check_text
from grouplink.paths import is_page_path

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_unusable_text(request: Request) -> None:
    """An app-wide dependency: it runs before each route's own."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            check_text(value, name)
    for name, value in request.query_params.multi_items():
        check_text(name)
        check_text(value, name)
    content_type = request.headers.get("content-type", "")
    if is_page_path(request.url.path) and content_type.startswith(_FORMS):
        # FastAPI has parsed the form for the route's fields already: this is the same one.
        for name, field in (await request.form()).multi_items():
            check_text(name)
            if isinstance(field, str):
                check_text(field, name)
