"""Test helpers for sandboxes and CI: simulated people open links, withdraw, leave,
and act on the invite link as their role allows.

Enabled by ``GROUPLINK_SANDBOX`` (on in the local profile). Authenticated with
the business's token; a link or group of another business looks unknown.
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, cast

from fastapi import APIRouter, Depends, Header, Query
from pydantic import Field
from typing_extensions import TypedDict

from grouplink.domain.people import normalize_wa_id
from grouplink.domain.questions import ANSWER_MAX, MAX_QUESTIONS
from grouplink.graph.body import Body
from grouplink.graph.deps import CoreDep, RequestBody
from grouplink.graph.messages import Inbox, InboxMessage
from grouplink.graph.wire import InviteLinkAnswer, LinkDeleted, answers, body_doc
from grouplink.services import businesses, groups, joins, links, messages, participants
from grouplink.services.core import Actor

JoinAnswer = Annotated[str, Field(min_length=1, max_length=ANSWER_MAX)]


class PersonBody(TypedDict):
    wa_id: Annotated[str, Field(examples=["16315551234"])]
    answers: NotRequired[
        Annotated[
            list[JoinAnswer],
            Field(
                max_length=MAX_QUESTIONS,
                description="join: the answers to the group's join questions",
            ),
        ]
    ]


_PERSON_BODY = body_doc(PersonBody)


OpenedStatus = Literal["joined", "requested"]


class Opened(TypedDict):
    status: OpenedStatus
    group_id: str
    join_request_id: NotRequired[str]  # requested: the request made


class Cancelled(TypedDict):
    status: Literal["cancelled"]
    join_request_id: str


class StatusOut(TypedDict):
    status: Literal["left", "suspended", "active", "admin", "member"]


async def sandbox_owner(
    core: CoreDep, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> businesses.TokenOwner:
    return await businesses.bearer_owner(core, authorization)


SandboxOwner = Annotated[businesses.TokenOwner, Depends(sandbox_owner)]


async def sandbox_business(owner: SandboxOwner) -> str:
    return owner.business_id


SandboxBusiness = Annotated[str, Depends(sandbox_business)]


async def sandbox_actor(owner: SandboxOwner) -> Actor:
    """The business acting through a sandbox helper, with the token it used."""
    return Actor.business(owner.business_id, "sandbox", token_id=owner.token_id)


SandboxActor = Annotated[Actor, Depends(sandbox_actor)]
router = APIRouter(prefix="/sandbox", tags=["Sandbox helpers"])


def _wa_id(body: Body) -> str:
    return normalize_wa_id(body.get("wa_id"))  # type: ignore[arg-type]


@router.post("/invites/{code}/join", openapi_extra=_PERSON_BODY, **answers(Opened))
async def join(core: CoreDep, business_id: SandboxBusiness, code: str, body: RequestBody) -> Opened:
    """A person opens the invite link: `{"status": "joined"}` or `{"status": "requested", ...}`."""
    outcome = await joins.open_link(
        core, code, _wa_id(body), "sandbox", business_id=business_id, answers=body.get("answers")
    )
    status = cast(OpenedStatus, outcome.status)  # services/joins.py: one of the two
    opened: Opened = {"status": status, "group_id": outcome.group_id}
    if outcome.join_request_id is not None:
        opened["join_request_id"] = outcome.join_request_id
    return opened


@router.post("/invites/{code}/cancel", openapi_extra=_PERSON_BODY, **answers(Cancelled))
async def cancel(
    core: CoreDep, business_id: SandboxBusiness, code: str, body: RequestBody
) -> Cancelled:
    """The person withdraws their pending request to join."""
    request_id = await joins.cancel_request(
        core, code, _wa_id(body), "sandbox", business_id=business_id
    )
    return {"status": "cancelled", "join_request_id": request_id}


@router.post("/groups/{group_id}/leave", openapi_extra=_PERSON_BODY, **answers(StatusOut))
async def leave(
    core: CoreDep, business_id: SandboxBusiness, group_id: str, body: RequestBody
) -> StatusOut:
    """A participant leaves the group (they may join again by link)."""
    await participants.leave_group(core, business_id, group_id, _wa_id(body), "sandbox")
    return {"status": "left"}


@router.post("/groups/{group_id}/suspend", **answers(StatusOut))
async def suspend(
    core: CoreDep, business_id: SandboxBusiness, actor: SandboxActor, group_id: str
) -> StatusOut:
    """Simulate WhatsApp suspending the group: writes answer 131207, links stop working."""
    await groups.set_suspended(core, business_id, group_id, True, actor)
    return {"status": "suspended"}


@router.post("/groups/{group_id}/unsuspend", **answers(StatusOut))
async def unsuspend(
    core: CoreDep, business_id: SandboxBusiness, actor: SandboxActor, group_id: str
) -> StatusOut:
    """Lift a simulated suspension."""
    await groups.set_suspended(core, business_id, group_id, False, actor)
    return {"status": "active"}


@router.get("/groups/{group_id}/invite_link", **answers(InviteLinkAnswer))
async def person_sees_link(
    core: CoreDep, business_id: SandboxBusiness, group_id: str, wa_id: str
) -> InviteLinkAnswer:
    """The invite link as a participant sees it: refused (code 10) unless the group's
    "who can manage the invite link" setting lets them manage it."""
    actor = Actor.person(normalize_wa_id(wa_id), "sandbox")
    link = await links.current_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "invite_link": link}


@router.post(
    "/groups/{group_id}/invite_link", openapi_extra=_PERSON_BODY, **answers(InviteLinkAnswer)
)
async def person_resets_link(
    core: CoreDep, business_id: SandboxBusiness, group_id: str, body: RequestBody
) -> InviteLinkAnswer:
    """A participant resets the link, if the group lets them manage it."""
    actor = Actor.person(_wa_id(body), "sandbox")
    link = await links.reset_link(core, business_id, group_id, actor)
    return {"messaging_product": "whatsapp", "invite_link": link}


@router.delete("/groups/{group_id}/invite_link", openapi_extra=_PERSON_BODY, **answers(LinkDeleted))
async def person_deletes_link(
    core: CoreDep, business_id: SandboxBusiness, group_id: str, body: RequestBody
) -> LinkDeleted:
    """A participant deletes the link, if the group lets them manage it."""
    await links.delete_link(core, business_id, group_id, Actor.person(_wa_id(body), "sandbox"))
    return {"messaging_product": "whatsapp", "success": "true"}


@router.post("/groups/{group_id}/admins", openapi_extra=_PERSON_BODY, **answers(StatusOut))
async def make_admin(
    core: CoreDep,
    business_id: SandboxBusiness,
    actor: SandboxActor,
    group_id: str,
    body: RequestBody,
) -> StatusOut:
    """The business makes a participant an admin of the group."""
    await participants.set_admin(core, business_id, group_id, _wa_id(body), True, actor)
    return {"status": "admin"}


@router.delete("/groups/{group_id}/admins", openapi_extra=_PERSON_BODY, **answers(StatusOut))
async def dismiss_admin(
    core: CoreDep,
    business_id: SandboxBusiness,
    actor: SandboxActor,
    group_id: str,
    body: RequestBody,
) -> StatusOut:
    """The business dismisses a participant as admin; they stay a member."""
    await participants.set_admin(core, business_id, group_id, _wa_id(body), False, actor)
    return {"status": "member"}


@router.get("/people/{wa_id}/messages", **answers(Inbox))
async def inbox(
    core: CoreDep,
    business_id: SandboxBusiness,
    wa_id: str,
    limit: Annotated[int, Query(ge=1, le=messages.INBOX_MAX)] = 25,
) -> Inbox:
    """The person's inbox: the business's messages to them, newest first, as
    `POST /{phone_number_id}/messages` sent them."""
    found = await messages.inbox(core, business_id, normalize_wa_id(wa_id), limit)
    return {"data": cast(list[InboxMessage], found)}  # store/messages.py builds them so
