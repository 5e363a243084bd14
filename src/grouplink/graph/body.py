"""Request bodies as Meta accepts them: JSON, form-encoded or multipart.

Form fields that carry lists (``join_requests``, ``participants``) hold JSON
text, as Graph API clients send them.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.text import check_texts

Body = dict[str, Any]


async def read_body(request: Request) -> Body:
    body = await _read(request)
    check_texts(body)
    return body


async def _read(request: Request) -> Body:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        return await _form(request)
    raw = await request.body()
    if not raw.strip():
        return {}
    # curl -d sends JSON labelled as a form: a body that starts with { is read as JSON.
    if content_type == "application/x-www-form-urlencoded" and not raw.lstrip().startswith(b"{"):
        return await _form(request)
    try:
        body = parse_json(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidParameter(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidParameter("The request body must be a JSON object")
    return body


async def _form(request: Request) -> Body:
    try:
        form = await request.form()
    except Exception as exc:  # a malformed multipart body
        raise InvalidParameter(f"The form body could not be read: {exc}") from None
    return {key: _form_value(value) for key, value in form.multi_items()}


def _form_value(value: str | UploadFile) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return parse_json(value)
        except json.JSONDecodeError:
            return value
    return value


def parse_json(raw: str | bytes) -> Any:
    """``json.loads`` for what clients send: nesting too deep for the parser's stack,
    numbers beyond 64 bits (and the 4,300 digits past which ``int()`` refuses), NaN
    and Infinity are a 400, not a fault. (Nesting is bounded again, tighter, by
    :func:`grouplink.domain.text.check_texts`.)"""
    try:
        return json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise InvalidParameter("The request body nests too deeply") from None


_INT64 = 2**63


def _int(literal: str) -> int:
    # Check the length first: int() itself refuses past 4,300 digits, and is slow before.
    if len(literal) > 20 or not -_INT64 <= (value := int(literal)) < _INT64:
        raise InvalidParameter(f"The number {_shown(literal)} does not fit in 64 bits")
    return value


def _float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise InvalidParameter(f"The number {_shown(literal)} is too large")
    return value


def _shown(literal: str) -> str:
    return literal if len(literal) <= 24 else f"{literal[:20]}... ({len(literal)} characters)"


def _constant(literal: str) -> Any:
    raise InvalidParameter(f"{literal} is not a number JSON allows")


def require_whatsapp(body: Body) -> None:
    product = body.get("messaging_product")
    if product != "whatsapp":
        raise InvalidParameter(
            "messaging_product is required and must be 'whatsapp'"
            if product is None
            else f"messaging_product must be 'whatsapp', not '{product}'"
        )


def optional_str(body: Body, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be a string")
    return value
