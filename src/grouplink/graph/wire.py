"""How the Graph door declares its wire shapes in /openapi.json, and the shapes that
several of its calls share.

Answers are TypedDicts: handlers build them as plain dicts and are checked by mypy,
and :func:`answers` declares them in the document without FastAPI's per-request
validation (``response_model=None``), which would cost every call, the hot join and
reset ones too, and would reorder keys. Request bodies are TypedDicts as well, whose
limits are the domain's constants; :func:`body_doc` declares them for every content
type the door reads (the bodies themselves are read and checked by the domain's
``clean_*`` rules, once, as before).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import TypeAdapter
from typing_extensions import TypedDict

WhatsApp = Literal["whatsapp"]
_REF = "#/components/schemas/{model}"
# Schemas FastAPI does not see (request bodies, the error envelope), by name, for the
# document's components (openapi.py).
_DECLARED: dict[str, dict[str, Any]] = {}


class WhatsAppBody(TypedDict):
    """A write's body that says nothing more than whose API it is."""

    messaging_product: WhatsApp


class PersonRef(TypedDict, total=False):
    """A person named in a body: ``{"user": "<phone or wa_id>"}`` or ``{"user_id": "<BSUID>"}``."""

    user: str
    user_id: str


class Written(TypedDict):
    """A write's answer, as Meta's: its ``request_id`` names the webhooks it causes."""

    messaging_product: WhatsApp
    request_id: str


class InviteLinkAnswer(TypedDict):
    messaging_product: WhatsApp
    invite_link: str


class LinkDeleted(TypedDict):
    messaging_product: WhatsApp
    success: Literal["true"]  # a string, as Meta's seed shows it (WIRE.md row 8)


def answers(model: Any, *, partial: Any = None) -> dict[str, Any]:
    """A route's ``response_model`` and ``responses``: ``model`` for its 200 and, where
    some of a call may succeed while the rest fails, ``partial`` for its 206."""
    declared: dict[int | str, dict[str, Any]] = {200: {"model": model}}
    if partial is not None:
        declared[206] = {
            "model": partial,
            "description": "Partial success (code 131201): what failed, and why, in the answer",
        }
    return {"response_model": None, "responses": declared}


def body_doc(model: Any, *, multipart: bool = False, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` for a body accepted as JSON, form-encoded or multipart,
    of the shape ``model`` (a TypedDict) declares."""
    ref = declare(model)
    content = {
        "application/json": {"schema": ref},
        "application/x-www-form-urlencoded": {"schema": ref},
    }
    if multipart:
        content["multipart/form-data"] = {"schema": ref}
    return {"requestBody": {"required": required, "content": content}}


def declare(model: Any) -> dict[str, str]:
    """Put ``model``'s schema (and those it uses) in the document's components;
    the ``$ref`` to it."""
    schema = TypeAdapter(model).json_schema(ref_template=_REF)
    for name, found in {**schema.pop("$defs", {}), model.__name__: schema}.items():
        if _DECLARED.setdefault(name, found) != found:
            raise RuntimeError(f"Two different OpenAPI schemas are named {name}")
    return {"$ref": _REF.format(model=model.__name__)}


def declared_schemas() -> dict[str, dict[str, Any]]:
    """Every schema :func:`declare` was given (and the schemas they use), by name."""
    return dict(_DECLARED)
