"""``Idempotency-Key`` on Graph API writes: a pure ASGI middleware.

A POST or DELETE under ``/{version}/`` with the header, and a bearer token that
names a business, is run through :func:`grouplink.services.idempotency.attempt`:
its body is read whole (to bind the key to the request), its answer is held back
until it is kept with the write, then sent. Every other request passes through
untouched after one scan of its headers: no body buffered, no database work.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grouplink.domain.errors import DomainError
from grouplink.domain.idempotency import (
    HEADER,
    MAX_KEY_LENGTH,
    REPLAYED_HEADER,
    Answer,
    KeyInFlight,
    clean_key,
    fingerprint,
)
from grouplink.graph.envelope import error_response
from grouplink.services import businesses
from grouplink.services import idempotency as service
from grouplink.services.core import Core

_WRITES = frozenset({"POST", "DELETE"})
_GRAPH_PATH = re.compile(r"^/v\d+\.\d+/")
_KEY = b"idempotency-key"


class IdempotentWrites:
    def __init__(self, app: ASGIApp, core: Core) -> None:
        self.app = app
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        keys = [value for name, value in scope["headers"] if name == _KEY]
        if not keys or not _GRAPH_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            owner = await businesses.bearer_owner(self.core, _header(scope, b"authorization"))
        except DomainError:
            await self.app(scope, receive, send)  # the route answers 401 as it always does
            return
        try:
            key = clean_key(keys)
            body = await _whole_body(receive)
        except DomainError as error:
            await _send(send, _error_answer(error))
            return
        if body is None:
            return  # the client left before it had sent its request
        content_type = (_header(scope, b"content-type") or "").encode("latin-1")
        query = scope.get("query_string", b"")
        request = fingerprint(scope["method"], scope["path"], query, content_type, body)
        try:
            async with service.attempt(self.core, owner.business_id, key, request) as attempt:
                answer = await _run(self.app, scope, _replaying(body, receive))
                await attempt.finish(answer)
        except service.Refused as refused:
            if refused.error is not None:
                answer = _error_answer(refused.error)
            else:
                assert refused.answer is not None
                answer = refused.answer
        await _send(send, answer)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _whole_body(receive: Receive) -> bytes | None:
    """The request's body, or None if the client disconnected first."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body read already, then whatever the client sends next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _run(app: ASGIApp, scope: Scope, receive: Receive) -> Answer:
    """The app's answer, held back rather than sent."""
    status, headers, parts = 500, [], []

    async def hold(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, hold)
    return Answer(status, [(bytes(k), bytes(v)) for k, v in headers], b"".join(parts))


def _error_answer(error: DomainError) -> Answer:
    response = error_response(error)
    headers = list(response.raw_headers)
    if isinstance(error, KeyInFlight):
        headers.append((b"retry-after", str(error.retry_after_s).encode()))
    return Answer(response.status_code, headers, bytes(response.body))


async def _send(send: Send, answer: Answer) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})


_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "grouplink's own: the same key (per business, within 24 hours) gets the first "
        "answer again and the write is done once; the same key with another method, path "
        "or body answers 400, and while its first request runs, 409. See docs/api.md."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": "^[\\x20-\\x7e]+$",
    },
}
_REPLAYED = {
    "description": "grouplink's own: `true` on an answer sent again for an Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]},
}


def document(schema: dict[str, Any]) -> None:
    """Add the header to every Graph write of an OpenAPI document, and the replay
    header to their answers."""
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/{version}/"):
            continue
        for method, operation in operations.items():
            if method.upper() not in _WRITES:
                continue
            operation.setdefault("parameters", []).append(_PARAMETER)
            for status, response in operation.get("responses", {}).items():
                if status.startswith("2"):
                    response.setdefault("headers", {})[REPLAYED_HEADER] = _REPLAYED
