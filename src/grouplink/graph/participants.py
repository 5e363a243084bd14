"""WIRE.md rows 12-13: removing participants (adding is done by invite link only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from grouplink.domain.errors import InvalidParameter
from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody, body_doc
from grouplink.services import participants

router = APIRouter(tags=["Participants"])

_USER = {
    "type": "object",
    "properties": {"user": {"type": "string"}, "user_id": {"type": "string"}},
}
_SCHEMA = {
    "type": "object",
    "required": ["messaging_product", "participants"],
    "properties": {
        "messaging_product": {"type": "string", "enum": ["whatsapp"]},
        "participants": {"type": "array", "items": _USER, "minItems": 1, "maxItems": 8},
    },
}


@router.delete("/{version:graph_version}/{group_id}/participants", openapi_extra=body_doc(_SCHEMA))
async def remove_participants(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> dict[str, Any]:
    """Remove participants; they can no longer join through any link of the group."""
    require_whatsapp(body)
    refs = participants.clean_user_refs(body.get("participants"))
    request_id = await participants.remove_participants(core, business_id, group_id, refs, actor)
    return {"messaging_product": "whatsapp", "request_id": request_id}


@router.post("/{version:graph_version}/{group_id}/participants", openapi_extra=body_doc(_SCHEMA))
async def add_participants(business_id: BusinessId, group_id: str) -> dict[str, Any]:
    """Not possible, as on Meta: people join through the invite link."""
    raise InvalidParameter(
        "Participants cannot be added directly; share the group's invite link "
        "(GET /{group_id}/invite_link) and they join through it"
    )
