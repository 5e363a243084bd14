"""WIRE.md rows 9-11: pending join requests, approve and reject."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from typing_extensions import TypedDict

from grouplink.domain.errors import InvalidParameter, PartialSuccess
from grouplink.domain.join_requests import MAX_DECISIONS, clean_request_ids
from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody
from grouplink.graph.envelope import Err, error_object
from grouplink.graph.paging import PageLimit, Paging, paging
from grouplink.graph.wire import WhatsApp, Written, answers, body_doc
from grouplink.services import join_requests
from grouplink.services.join_requests import PendingItem

router = APIRouter(tags=["Join requests"])

RequestIds = Annotated[
    list[Annotated[str, Field(min_length=1)]],
    Field(min_length=1, max_length=MAX_DECISIONS),
]


class DecideBody(TypedDict):
    messaging_product: WhatsApp
    join_requests: RequestIds


class RejectBody(DecideBody):
    ban: NotRequired[
        Annotated[
            bool, Field(description="grouplink's own: also ban the people rejected from every link")
        ]
    ]


class AnswerOut(TypedDict):
    question: str
    answer: str


class JoinRequest(TypedDict):
    join_request_id: str
    user_id: str
    wa_id: str
    creation_timestamp: int
    invite_link_id: str  # the link they asked through
    answers: NotRequired[list[AnswerOut]]  # where the group asks join questions


class JoinRequestList(TypedDict):
    data: list[JoinRequest]
    paging: Paging


class FailedRequest(TypedDict):
    join_request_id: str
    errors: list[Err]


class Approved(Written):
    approved_join_requests: list[str]


class ApprovedInPart(Approved):
    failed_join_requests: list[FailedRequest]
    errors: list[Err]  # one, code 131201


class Rejected(Written):
    rejected_join_requests: list[str]


class RejectedInPart(Rejected):
    failed_join_requests: list[FailedRequest]
    errors: list[Err]


@router.get("/{version:graph_version}/{group_id}/join_requests", **answers(JoinRequestList))
async def list_join_requests(
    request: Request,
    core: CoreDep,
    business_id: BusinessId,
    group_id: str,
    limit: PageLimit = 25,
    after: str | None = None,
    before: str | None = None,
) -> JoinRequestList:
    """Pending requests to join, newest first."""
    page = await join_requests.list_requests(core, business_id, group_id, limit, after, before)
    return {"data": [_render(r) for r in page.items], "paging": paging(request, page, limit)}


def _render(pending: PendingItem) -> JoinRequest:
    item: JoinRequest = {
        "join_request_id": pending.join_request_id,
        "user_id": pending.user_id,
        "wa_id": pending.wa_id,
        "creation_timestamp": pending.created_at // 1000,
        "invite_link_id": pending.invite_link_id,
    }
    if pending.answers:
        item["answers"] = [{"question": a.question, "answer": a.answer} for a in pending.answers]
    return item


@router.post(
    "/{version:graph_version}/{group_id}/join_requests",
    openapi_extra=body_doc(DecideBody),
    **answers(Approved, partial=ApprovedInPart),
)
async def approve_join_requests(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> JSONResponse:
    """Approve; the people join and a `group_participants_add` webhook follows."""
    return await _decide(core, business_id, actor, group_id, body, approve=True)


@router.delete(
    "/{version:graph_version}/{group_id}/join_requests",
    openapi_extra=body_doc(RejectBody),
    **answers(Rejected, partial=RejectedInPart),
)
async def reject_join_requests(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> JSONResponse:
    """Reject; no webhook. grouplink's own `"ban": true` also bans the people rejected."""
    return await _decide(core, business_id, actor, group_id, body, approve=False)


async def _decide(
    core: CoreDep,
    business_id: str,
    actor: ActorDep,
    group_id: str,
    body: RequestBody,
    *,
    approve: bool,
) -> JSONResponse:
    require_whatsapp(body)
    request_ids = clean_request_ids(body.get("join_requests"))
    ban = False if approve else clean_ban(body.get("ban", False))
    decisions = await join_requests.decide(
        core, business_id, group_id, request_ids, approve, actor, ban=ban
    )
    answer: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "request_id": decisions.request_id,
        ("approved_join_requests" if approve else "rejected_join_requests"): decisions.done,
    }
    if not decisions.failed:
        return JSONResponse(answer)
    verb = "approved" if approve else "rejected"
    if not decisions.done:
        # Nothing succeeded: a plain error, so clients that only check the status see it.
        first = decisions.failed[0][1]
        listed = "; ".join(f"{rid}: {error.details}" for rid, error in decisions.failed)
        raise type(first)(f"No join request could be {verb}. {listed}")
    answer["failed_join_requests"] = [
        {"join_request_id": request_id, "errors": [error_object(error)]}
        for request_id, error in decisions.failed
    ]
    partial = PartialSuccess(
        f"{len(decisions.failed)} of {len(request_ids)} join requests could not be {verb}"
    )
    answer["errors"] = [error_object(partial)]
    return JSONResponse(answer, status_code=partial.status)


def clean_ban(value: object) -> bool:
    """grouplink's ``ban`` on a rejection: true or false (also as form text)."""
    if value in (True, "true"):
        return True
    if value in (False, "false", None):
        return False
    raise InvalidParameter("ban must be true or false")
