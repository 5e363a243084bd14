"""One observation per HTTP request, labelled so that the series stay few.

The route is the template that took the request (``/{version}/{group_id}/invite_link``,
``/console/groups/{group_id}``, ``/static/{path}``), never the path with its ids; a
path no route matched is ``unmatched``. Methods outside HTTP's usual seven are
``other``. So the series are bounded by the routes, eight methods and the
statuses the app answers, whatever clients send.
"""

from __future__ import annotations

from typing import Any

import structlog
from starlette.types import Scope

from grouplink.metrics.meters import REQUEST_SECONDS

log = structlog.get_logger("grouplink.metrics")

UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# (route, method, status) -> the histogram's child: labels() takes a lock and checks
# its arguments each time; a dictionary hit is a fraction of that.
_children: dict[tuple[str, str, int], Any] = {}
# id(route or endpoint) -> (it, its template), worked out the first time it is seen
# (Starlette's routes define __eq__, so they cannot be keys themselves).
_templates: dict[int, tuple[object, str]] = {}


def observe(scope: Scope, status: int, seconds: float) -> None:
    try:
        method = scope["method"]
        key = (route_of(scope), method if method in _METHODS else "other", status)
        child = _children.get(key)
        if child is None:
            child = _children[key] = REQUEST_SECONDS.labels(key[0], key[1], str(status))
        child.observe(seconds)
    except Exception:  # a figure lost, never a request
        log.exception("request not counted", path=scope.get("path"))


def route_of(scope: Scope) -> str:
    """The template of what took the request, from what the router left in the scope."""
    route = scope.get("route")  # FastAPI's routes, also when only the path matched (405)
    taker = route if route is not None else scope.get("endpoint")  # a mount, a plain route
    if taker is None:
        return UNMATCHED
    known = _templates.get(id(taker))
    if known is None or known[0] is not taker:
        known = _templates[id(taker)] = (taker, _template(scope, route, taker))
    return known[1]


def _template(scope: Scope, route: Any, endpoint: Any) -> str:
    if route is not None:
        template, pattern = getattr(route, "path_format", None), getattr(route, "path_regex", None)
        if not isinstance(template, str) or pattern is None:
            return UNMATCHED
        # An included router's route knows its path without the router's prefix
        # (/console): the prefix is what comes before the part its pattern matches.
        path, root = str(scope["path"]), str(scope.get("root_path", ""))
        path = path[len(root) :] if root and path.startswith(root) else path  # as routers see it
        for start in [i for i, c in enumerate(path) if c == "/"] + [len(path)]:
            if pattern.match(path[start:]):
                return path[:start] + template
        return template
    if "app_root_path" in scope:  # a Mount took it: its prefix is what it added to root_path
        return str(scope["root_path"])[len(scope["app_root_path"]) :] + "/{path}"
    for candidate in getattr(scope.get("app"), "routes", ()):
        if getattr(candidate, "endpoint", None) is endpoint:
            return str(candidate.path_format)
    return UNMATCHED
