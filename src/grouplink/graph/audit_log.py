"""WIRE.md "Audit log" (grouplink's own): who did what to a group, newest first."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from typing_extensions import TypedDict

from grouplink.graph.deps import ActorDep, BusinessId, CoreDep
from grouplink.graph.paging import PageLimit, Paging, paging
from grouplink.graph.wire import answers
from grouplink.services import audit_log
from grouplink.services.audit_log import Entry

router = APIRouter(tags=["grouplink extensions"])


class ActorOut(TypedDict, total=False):
    type: Literal["business", "participant", "system"]
    token_id: str | None
    user_id: str
    wa_id: str


class TargetOut(TypedDict, total=False):
    type: Literal["group", "invite_link", "participants", "join_requests"]
    id: str  # the group's or the invite link's id
    group_id: str
    invite_link_id: str  # participants and join requests: the link they came or asked through
    wa_ids: list[str]
    ids: list[str]


class EntryOut(TypedDict):
    id: str
    timestamp: int
    action: str
    door: str
    actor: ActorOut
    target: TargetOut
    details: dict[str, Any]


class AuditLog(TypedDict):
    data: list[EntryOut]
    paging: Paging


def render(entry: Entry) -> EntryOut:
    who: ActorOut = {"type": entry.who.kind}
    if entry.who.kind == "business":
        who["token_id"] = entry.who.token_id
    if entry.who.person is not None:
        who["user_id"] = entry.who.person.user_id
        who["wa_id"] = entry.who.person.wa_id
    target: TargetOut = {"type": entry.target.kind}
    link = entry.target.link
    if entry.target.kind == "group":
        target["id"] = entry.target.group_id
    elif entry.target.kind == "invite_link" and link is not None:
        target["id"] = link.id
    else:  # in TargetOut's order, as the answer always had it
        if link is not None:
            target["invite_link_id"] = link.id
        target["wa_ids" if entry.target.kind == "participants" else "ids"] = list(entry.target.ids)
    return {
        "id": entry.id,
        "timestamp": entry.at // 1000,
        "action": entry.action,
        "door": entry.door,
        "actor": who,
        "target": target,
        "details": entry.details,
    }


@router.get("/{version:graph_version}/{group_id}/audit_log", **answers(AuditLog))
async def read_audit_log(
    request: Request,
    core: CoreDep,
    business_id: BusinessId,
    actor: ActorDep,
    group_id: str,
    action: Annotated[
        str | None, Query(description="An action (link.reset) or a family (link, link.*)")
    ] = None,
    door: Annotated[
        str | None, Query(description="graph, console, link_page, sandbox or system")
    ] = None,
    limit: PageLimit = 25,
    after: str | None = None,
    before: str | None = None,
) -> AuditLog:
    """Every change to the group, its links, participants and requests, newest first."""
    page = await audit_log.read_log(
        core,
        business_id,
        group_id,
        actor,
        action=audit_log.clean_action(action),
        door=audit_log.clean_door(door),
        limit=limit,
        after=after,
        before=before,
    )
    return {"data": [render(e) for e in page.items], "paging": paging(request, page, limit)}
