"""Meta's error envelope, for every non-2xx answer of the Graph door."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Annotated, Literal, NotRequired

from fastapi.responses import JSONResponse
from pydantic import Field
from typing_extensions import TypedDict

from grouplink.domain.errors import DomainError, Unavailable

trace_id: ContextVar[str] = ContextVar("fbtrace_id", default="")


class ErrDetails(TypedDict):
    details: str


class Err(TypedDict):
    """WIRE.md ``Err``: one failure inside a partial-success answer."""

    code: int
    message: str
    title: str
    error_data: ErrDetails


def error_object(error: DomainError) -> Err:
    """The ``Err`` shape used inside partial-success answers."""
    return {
        "code": error.code,
        "message": error.message,
        "title": error.title,
        "error_data": {"details": error.details},
    }


class ErrorData(TypedDict):
    messaging_product: Literal["whatsapp"]
    details: str


class GraphErrorDetail(TypedDict):
    message: Annotated[str, Field(examples=["(#131041) Group unknown"])]
    type: Literal["OAuthException"]
    code: Annotated[int, Field(examples=[131041])]
    error_data: ErrorData
    fbtrace_id: str  # also in the server's log line of the request
    is_transient: NotRequired[
        Annotated[bool, Field(description="On 503s (code 2): the same call may work later")]
    ]


class GraphError(TypedDict):
    """Meta's error envelope (WIRE.md, Errors): every non-2xx answer of the door."""

    error: GraphErrorDetail


def error_body(error: DomainError) -> GraphError:
    body: GraphErrorDetail = {
        "message": error.message,
        "type": "OAuthException",
        "code": error.code,
        "error_data": {"messaging_product": "whatsapp", "details": error.details},
        "fbtrace_id": trace_id.get(),
    }
    if isinstance(error, Unavailable):
        body["is_transient"] = True  # as Meta marks its own code 2: the same call may work later
    return {"error": body}


def error_headers(error: DomainError) -> dict[str, str]:
    """What an error's answer says in its headers, on every door."""
    if error.status == 401:
        return {"WWW-Authenticate": 'Bearer realm="grouplink"'}
    if isinstance(error, Unavailable):
        return {"Retry-After": str(error.retry_after)}
    return {}


def error_response(error: DomainError) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=error.status, headers=error_headers(error))
