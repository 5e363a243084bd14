"""WIRE.md rows 6-8: the group's invite link."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from fastapi import APIRouter
from pydantic import Field

from grouplink.domain.errors import InvalidParameter
from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody
from grouplink.graph.wire import (
    InviteLinkAnswer,
    LinkDeleted,
    WhatsAppBody,
    answers,
    body_doc,
)
from grouplink.services import links

router = APIRouter(tags=["Invite links"])


class ResetBody(WhatsAppBody):
    scope: NotRequired[
        Annotated[
            Literal["all", "primary"],
            Field(
                description="grouplink's own: `primary` rotates the primary link only",
                json_schema_extra={"default": "all"},
            ),
        ]
    ]


@router.get("/{version:graph_version}/{group_id}/invite_link", **answers(InviteLinkAnswer))
async def get_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str
) -> InviteLinkAnswer:
    """The group's current working link."""
    link = await links.current_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "invite_link": link}


@router.post(
    "/{version:graph_version}/{group_id}/invite_link",
    openapi_extra=body_doc(ResetBody),
    **answers(InviteLinkAnswer),
)
async def reset_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> InviteLinkAnswer:
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


@router.delete(
    "/{version:graph_version}/{group_id}/invite_link",
    openapi_extra=body_doc(WhatsAppBody),
    **answers(LinkDeleted),
)
async def delete_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> LinkDeleted:
    """End every link of the group; none works until a POST makes a new one."""
    require_whatsapp(body)
    await links.delete_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "success": "true"}
