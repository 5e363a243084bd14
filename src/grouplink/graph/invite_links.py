"""WIRE.md L1-L5 (grouplink's own): a group's several invite links."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from fastapi import APIRouter, Request
from pydantic import Field
from typing_extensions import TypedDict

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.link_settings import (
    ALLOWED_USERS_MAX,
    MEMBER_LIMIT_MAX,
    NAME_MAX,
    clean_link_changes,
)
from grouplink.domain.links import LinkState
from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody
from grouplink.graph.paging import PageLimit, Paging, paging
from grouplink.graph.wire import (
    LinkDeleted,
    PersonRef,
    WhatsApp,
    WhatsAppBody,
    answers,
    body_doc,
)
from grouplink.services import invite_links
from grouplink.services.invite_links import LinkDetails

router = APIRouter(tags=["grouplink extensions"])

_PATH = "/{version:graph_version}/{group_id}/invite_links"


class Person(TypedDict):
    user_id: str
    wa_id: str


class CreatedBy(TypedDict, total=False):
    type: Literal["business", "participant", "system"]
    user_id: str
    wa_id: str


class Counts(TypedDict):
    opens: int
    join_requests: int
    joined: int
    approved: int
    rejected: int
    left: int


class InviteLink(TypedDict):
    id: str
    invite_link: str
    is_primary: bool
    name: str
    state: LinkState
    expire_time: int | None
    member_limit: int | None
    join_approval_mode: JoinApprovalMode | None
    allowed_users: list[Person] | None
    paused_until: int | None
    group_paused_until: int | None  # grouplink's: every link of the group is paused until then
    creation_timestamp: int
    revoked_timestamp: int | None
    created_by: CreatedBy
    counts: Counts


class CreatedLink(InviteLink):
    messaging_product: WhatsApp
    request_id: str


class LinkList(TypedDict):
    data: list[InviteLink]
    paging: Paging


class LinkBody(WhatsAppBody):
    name: NotRequired[Annotated[str, Field(max_length=NAME_MAX)]]
    expire_time: NotRequired[Annotated[int | None, Field(description="unix seconds, future")]]
    member_limit: NotRequired[Annotated[int, Field(ge=1, le=MEMBER_LIMIT_MAX)] | None]
    join_approval_mode: NotRequired[
        Annotated[JoinApprovalMode | None, Field(description="null: the group's rule")]
    ]
    allowed_users: NotRequired[
        Annotated[
            Annotated[list[PersonRef], Field(min_length=1, max_length=ALLOWED_USERS_MAX)] | None,
            Field(description="Only these people may use the link; null: anyone who has it"),
        ]
    ]


class EditLinkBody(LinkBody):
    paused_until: NotRequired[Annotated[int | None, Field(description="unix seconds; 0 resumes")]]


def _seconds(ms: int | None) -> int | None:
    return None if ms is None else ms // 1000


def render(link: LinkDetails) -> InviteLink:
    creator: CreatedBy = {"type": link.created_by.kind}
    if link.created_by.person is not None:
        creator["user_id"] = link.created_by.person.user_id
        creator["wa_id"] = link.created_by.person.wa_id
    return {
        "id": link.id,
        "invite_link": link.url,
        "is_primary": link.is_primary,
        "name": link.name,
        "state": link.state,
        "expire_time": _seconds(link.expires_at),
        "member_limit": link.member_limit,
        "join_approval_mode": link.approval_mode,
        "allowed_users": None
        if link.allowed_users is None
        else [{"user_id": p.user_id, "wa_id": p.wa_id} for p in link.allowed_users],
        "paused_until": _seconds(link.paused_until),
        "group_paused_until": _seconds(link.paused_by_group_until),
        "creation_timestamp": link.created_at // 1000,
        "revoked_timestamp": _seconds(link.revoked_at),
        "created_by": creator,
        "counts": {
            "opens": link.counts.opens,
            "join_requests": link.counts.join_requests,
            "joined": link.counts.joined,
            "approved": link.counts.approved,
            "rejected": link.counts.rejected,
            "left": link.counts.left,
        },
    }


@router.get(_PATH, **answers(LinkList))
async def list_invite_links(
    request: Request,
    core: CoreDep,
    actor: ActorDep,
    business_id: BusinessId,
    group_id: str,
    state: str | None = None,
    limit: PageLimit = 25,
    after: str | None = None,
    before: str | None = None,
) -> LinkList:
    """The group's links: the primary first, then the newest first; `state=` filters."""
    wanted = _state(state)
    page = await invite_links.list_links(
        core, business_id, group_id, actor, state=wanted, limit=limit, after=after, before=before
    )
    return {"data": [render(link) for link in page.items], "paging": paging(request, page, limit)}


def _state(value: str | None) -> LinkState | None:
    if value is None or value == "":
        return None
    try:
        return LinkState(value)
    except ValueError:
        allowed = ", ".join(s.value for s in LinkState)
        raise InvalidParameter(f"state must be one of: {allowed}") from None


@router.post(_PATH, openapi_extra=body_doc(LinkBody), **answers(CreatedLink))
async def create_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> CreatedLink:
    """A new link besides the primary (up to 100 working ones)."""
    require_whatsapp(body)
    changes = clean_link_changes(body, core.clock())
    request_id, link = await invite_links.create_link(core, business_id, group_id, actor, changes)
    # After the link's fields, as the answer always had them.
    return {**render(link), "messaging_product": "whatsapp", "request_id": request_id}


@router.get(_PATH + "/{link_id}", **answers(InviteLink))
async def get_invite_link(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, link_id: str
) -> InviteLink:
    """One link, with its state at this moment and its counts."""
    return render(await invite_links.get_link(core, business_id, group_id, link_id, actor))


@router.post(_PATH + "/{link_id}", openapi_extra=body_doc(EditLinkBody), **answers(InviteLink))
async def edit_invite_link(
    core: CoreDep,
    business_id: BusinessId,
    actor: ActorDep,
    group_id: str,
    link_id: str,
    body: RequestBody,
) -> InviteLink:
    """Change a working link; `paused_until` pauses it until then (0 resumes)."""
    require_whatsapp(body)
    changes = clean_link_changes(body, core.clock())
    link = await invite_links.edit_link(core, business_id, group_id, link_id, actor, changes)
    return render(link)


@router.delete(_PATH + "/{link_id}", openapi_extra=body_doc(WhatsAppBody), **answers(LinkDeleted))
async def revoke_invite_link(
    core: CoreDep,
    business_id: BusinessId,
    actor: ActorDep,
    group_id: str,
    link_id: str,
    body: RequestBody,
) -> LinkDeleted:
    """Revoke the link: it stops working at once."""
    require_whatsapp(body)
    await invite_links.revoke_link(core, business_id, group_id, link_id, actor)
    return {"messaging_product": "whatsapp", "success": "true"}
