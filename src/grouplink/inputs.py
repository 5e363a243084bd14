"""Every request's typed text meets the rule of :mod:`grouplink.domain.text`, whatever
its door: the path and the query of every request (:func:`check_path_and_query`, run by
:class:`grouplink.http.RequestContext` before any route), and a page's form fields
(:data:`FORM_TEXT`, on the routes that take forms). Graph API bodies meet it where they
are read: :func:`grouplink.graph.body.read_body`.

The path and the query are checked on the raw request rather than as an app-wide
FastAPI dependency: such a dependency made every request, /healthz and the link page
included, solve a dependency tree (about 60 us each on this machine).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Depends, Request
from starlette.types import Scope

from grouplink.domain.text import check_text

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def check_path_and_query(scope: Scope) -> None:
    """Refuse a control character anywhere in the path (any of its parameters) or in a
    query parameter's name or value."""
    check_text(scope["path"], "The path")
    query = scope.get("query_string", b"")
    if query:
        # As Starlette reads it: latin-1 bytes, then percent-decoded as UTF-8.
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            check_text(name)
            check_text(value, name)


async def refuse_unusable_form_text(request: Request) -> None:
    if request.headers.get("content-type", "").startswith(_FORMS):
        # FastAPI has parsed the form for the route's fields already: this is the same one.
        for name, field in (await request.form()).multi_items():
            check_text(name)
            if isinstance(field, str):
                check_text(field, name)


# For the routers and routes of pages that take forms (not the link page's GET: hot).
FORM_TEXT = [Depends(refuse_unusable_form_text)]
