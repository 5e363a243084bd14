"""Meta's error envelope, for every non-2xx answer of the Graph door."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from fastapi.responses import JSONResponse

from grouplink.domain.errors import DomainError

trace_id: ContextVar[str] = ContextVar("fbtrace_id", default="")


def error_object(error: DomainError) -> dict[str, Any]:
    """The ``Err`` shape used inside partial-success answers."""
    return {
        "code": error.code,
        "message": error.message,
        "title": error.title,
        "error_data": {"details": error.details},
    }


def error_body(error: DomainError) -> dict[str, Any]:
    return {
        "error": {
            "message": error.message,
            "type": "OAuthException",
            "code": error.code,
            "error_data": {"messaging_product": "whatsapp", "details": error.details},
            "fbtrace_id": trace_id.get(),
        }
    }


def error_response(error: DomainError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="grouplink"'} if error.status == 401 else None
    return JSONResponse(error_body(error), status_code=error.status, headers=headers)
