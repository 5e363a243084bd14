"""What every request goes through, whatever its door: a trace id, a log line and
its metrics, a body size limit, and errors rendered for their door.

The one rule for errors: a page path (the link page, /signin..., /static; see
:func:`grouplink.paths.is_page_path`) gets an HTML page with a human
message; every other path is the Graph API and gets the Graph envelope.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grouplink.domain import ids
from grouplink.domain.errors import (
    DomainError,
    InvalidParameter,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnknownError,
)
from grouplink.graph.envelope import error_response, trace_id
from grouplink.inputs import check_path_and_query
from grouplink.metrics import traffic
from grouplink.paths import is_page_path
from grouplink.web.errors import page_for

log = structlog.get_logger("grouplink.http")

# nginx's status for a request whose client closed the connection before the answer:
# the access log says so rather than blame the server (500) or the request (400).
CLIENT_CLOSED_REQUEST = 499


class RequestContext:
    """Pure ASGI middleware: fbtrace_id, access log line and metrics, body size limit."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = trace_id.set(ids.base62(23))
        started = time.perf_counter()
        status = 500
        started_response = False
        gone = False  # the client went away before it had an answer

        async def send_with_status(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
            await send(message)

        async def watched_receive() -> Message:
            nonlocal gone
            message = await receive()
            if message["type"] == "http.disconnect" and not started_response:
                gone = True
            return message

        try:
            check_path_and_query(scope)  # control characters: a 400, at every door
            declared = _content_length(scope)
            if declared is not None and declared > self.max_body_bytes:
                await _send_error(send_with_status, scope, self._too_large())
                return
            await self.app(scope, self._limited(watched_receive), send_with_status)
        except Exception as error:
            if gone or isinstance(error, ClientDisconnect):
                gone = True  # nobody to answer, and no fault of ours: logged below
            elif not started_response:
                # A fault no handler took: log it with its trace id, answer for its door.
                if not isinstance(error, DomainError):
                    log.exception("unhandled", fbtrace_id=trace_id.get())
                    error = UnknownError("An unexpected error occurred; quote the fbtrace_id")
                await _send_error(send_with_status, scope, error)
            else:
                log.exception("unhandled", fbtrace_id=trace_id.get())
        finally:
            seconds = time.perf_counter() - started
            if gone:
                status = CLIENT_CLOSED_REQUEST
                log.info("client disconnected", path=scope["path"], fbtrace_id=trace_id.get())
            traffic.observe(scope, status, seconds)  # /metrics: by route template
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round(seconds * 1000, 2),
                fbtrace_id=trace_id.get(),
            )
            trace_id.reset(token)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"The request body is larger than {self.max_body_bytes} bytes")

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise self._too_large()
            return message

        return limited_receive


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_error(send: Send, scope: Scope, error: DomainError) -> None:
    response: Response
    if is_page_path(scope["path"]):
        response = page_for(error, trace_id.get())
    else:
        response = error_response(error)
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})


def _answer(request: Request, error: DomainError) -> Response:
    if is_page_path(request.url.path):
        return page_for(error, trace_id.get())
    return error_response(error)


def install_error_handlers(app: FastAPI) -> None:
    """Every non-2xx answer as a page or in the Graph envelope; FastAPI's
    {"detail": ...} never leaks.

    Faults that no handler takes are answered by :class:`RequestContext`.
    """

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return _answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _answer(request, InvalidParameter(_describe(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            error: DomainError = MethodNotAllowed(
                f"Unsupported {request.method.lower()} request on {request.url.path}"
            )
        elif exc.status_code == 404:
            error = NotFound(f"Unknown path components: {request.url.path}")
        else:
            error = InvalidParameter(str(exc.detail))
        response = _answer(request, error)
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes on this path, asked of the router's routes with
    each method in turn. (Starlette's own Allow names only the first route that
    matched the path, and FastAPI makes a route per method.)"""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]


def _describe(errors: Any) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "Invalid parameter"
