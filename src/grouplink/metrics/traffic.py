"""One observation per HTTP request, labelled so that the series stay few.

The route is the template the router matched (``/{version}/{group_id}/invite_link``),
never the path with its ids; a path no route matched is ``unmatched``. Methods
outside HTTP's usual seven are ``other``. So the series are bounded by the
routes, seven methods and the statuses the app answers, whatever clients send.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from grouplink.metrics.meters import REQUEST_SECONDS

UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# (route, method, status) -> the histogram's child: labels() takes a lock and checks
# its arguments each time; a dictionary hit is a fraction of that.
_children: dict[tuple[str, str, int], Any] = {}


def route_of(scope: Scope) -> str:
    """The template of the route that took the request (set by the router in the scope)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    return template if isinstance(template, str) else UNMATCHED


def observe(scope: Scope, status: int, seconds: float) -> None:
    method = scope["method"]
    key = (route_of(scope), method if method in _METHODS else "other", status)
    child = _children.get(key)
    if child is None:
        child = _children[key] = REQUEST_SECONDS.labels(key[0], key[1], str(status))
    child.observe(seconds)
