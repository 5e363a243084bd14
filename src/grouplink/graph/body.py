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

Body = dict[str, Any]


async def read_body(request: Request) -> Body:
    body = await _read(request)
    check_text(body)
    return body


def check_text(value: Any) -> None:
    """Refuse text no database can store the same way: NUL, lone surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidParameter("Text may not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidParameter("Text must be valid Unicode (no lone surrogates)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            check_text(item)
    elif isinstance(value, list):
        for item in value:
            check_text(item)


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
        body = json.loads(raw)
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
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


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
