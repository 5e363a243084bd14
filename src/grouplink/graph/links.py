"""WIRE.md rows 6-8: the group's invite link."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody, body_doc
from grouplink.services import links

router = APIRouter(tags=["Invite links"])

_SCHEMA = {
    "type": "object",
    "required": ["messaging_product"],
    "properties": {"messaging_product": {"type": "string", "enum": ["whatsapp"]}},
}


@router.get("/{version:graph_version}/{group_id}/invite_link")
async def get_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str
) -> dict[str, Any]:
    """The group's current working link."""
    link = await links.current_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "invite_link": link}


@router.post("/{version:graph_version}/{group_id}/invite_link", openapi_extra=body_doc(_SCHEMA))
async def reset_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> dict[str, Any]:
    """A new link; every earlier link of the group stops working at once."""
    require_whatsapp(body)
    link = await links.reset_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "invite_link": link}


@router.delete("/{version:graph_version}/{group_id}/invite_link", openapi_extra=body_doc(_SCHEMA))
async def delete_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> dict[str, Any]:
    """End every link of the group; none works until a POST makes a new one."""
    require_whatsapp(body)
    await links.delete_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "success": "true"}
