"""WIRE.md rows 12-13: removing participants (adding is done by invite link only)."""

from __future__ import annotations

from typing import Annotated, NoReturn

from fastapi import APIRouter
from pydantic import Field
from typing_extensions import TypedDict

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.people import MAX_PER_CALL
from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody
from grouplink.graph.wire import PersonRef, WhatsApp, Written, answers, body_doc
from grouplink.services import participants

router = APIRouter(tags=["Participants"])


class ParticipantsBody(TypedDict):
    messaging_product: WhatsApp
    participants: Annotated[list[PersonRef], Field(min_length=1, max_length=MAX_PER_CALL)]


@router.delete(
    "/{version:graph_version}/{group_id}/participants",
    openapi_extra=body_doc(ParticipantsBody),
    **answers(Written),
)
async def remove_participants(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> Written:
    """Remove participants; they can no longer join through any link of the group."""
    require_whatsapp(body)
    refs = participants.clean_user_refs(body.get("participants"))
    request_id = await participants.remove_participants(core, business_id, group_id, refs, actor)
    return {"messaging_product": "whatsapp", "request_id": request_id}


# No success answer is declared (openapi.py leaves out FastAPI's empty one): it has none.
@router.post(
    "/{version:graph_version}/{group_id}/participants",
    openapi_extra=body_doc(ParticipantsBody),
    response_model=None,
)
async def add_participants(business_id: BusinessId, group_id: str) -> NoReturn:
    """Not possible, as on Meta: people join through the invite link (error 100)."""
    raise InvalidParameter(
        "Participants cannot be added directly; share the group's invite link "
        "(GET /{group_id}/invite_link) and they join through it"
    )
