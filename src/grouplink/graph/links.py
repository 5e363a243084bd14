"""WIRE.md rows 6-8: the group's invite link."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from grouplink.domain.errors import InvalidParameter
from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody, body_doc
from grouplink.services import links

router = APIRouter(tags=["Invite links"])

_SCHEMA = {
    "type": "object",
    "required": ["messaging_product"],
    "properties": {"messaging_product": {"type": "string", "enum": ["whatsapp"]}},
}
_RESET_SCHEMA = {
    "type": "object",
    "required": ["messaging_product"],
    "properties": {
        "messaging_product": {"type": "string", "enum": ["whatsapp"]},
        "scope": {
            "type": "string",
            "enum": ["all", "primary"],
            "default": "all",
            "description": "grouplink's own: `primary` rotates the primary link only",
        },
    },
}


@router.get("/{version:graph_version}/{group_id}/invite_link")
async def get_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str
) -> dict[str, Any]:
    """The group's current working link."""
    link = await links.current_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "invite_link": link}


@router.post(
    "/{version:graph_version}/{group_id}/invite_link", openapi_extra=body_doc(_RESET_SCHEMA)
)
async def reset_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> dict[str, Any]:
    """A new primary link; every earlier working link of the group stops at once (with
    `"scope": "primary"`, the primary link alone)."""
    require_whatsapp(body)
    scope = body.get("scope", "all")
    if scope not in ("all", "primary"):
        raise InvalidParameter("scope must be 'all' (every link, the default) or 'primary'")
    link = await links.reset_link(
        core, business_id, group_id, actor, primary_only=scope == "primary"
    )
    return {"messaging_product": "whatsapp", "invite_link": link}


@router.delete("/{version:graph_version}/{group_id}/invite_link", openapi_extra=body_doc(_SCHEMA))
async def delete_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> dict[str, Any]:
    """End every link of the group; none works until a POST makes a new one."""
    require_whatsapp(body)
    await links.delete_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "success": "true"}
