"""WIRE.md rows 1-5: create, list, read, update and delete groups."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, cast

from fastapi import APIRouter, Request
from pydantic import Field
from starlette.datastructures import UploadFile
from typing_extensions import TypedDict

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.groups import (
    DESCRIPTION_MAX,
    SUBJECT_MAX,
    JoinApprovalMode,
    LinkManagers,
    clean_description,
    clean_join_approval_mode,
    clean_link_managers,
    clean_subject,
)
from grouplink.domain.link_settings import (
    KEEP,
    ROTATION_DAYS_MAX,
    clean_pause,
    clean_rotation_days,
)
from grouplink.domain.picture import Picture
from grouplink.domain.questions import MAX_QUESTIONS, QUESTION_MAX, clean_questions
from grouplink.graph.body import Body, optional_str, require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody
from grouplink.graph.paging import PageLimit, Paging, paging
from grouplink.graph.wire import WhatsApp, Written, answers, body_doc
from grouplink.services import group_settings, groups, picture_upload

router = APIRouter(tags=["Groups"])

Subject = Annotated[str, Field(min_length=1, max_length=SUBJECT_MAX)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX)]
Question = Annotated[str, Field(min_length=1, max_length=QUESTION_MAX)]


class CreateGroupBody(TypedDict):
    messaging_product: WhatsApp
    subject: Subject
    description: NotRequired[Description]
    join_approval_mode: NotRequired[JoinApprovalMode]


class UpdateGroupBody(TypedDict):
    messaging_product: WhatsApp
    subject: NotRequired[Subject]
    description: NotRequired[Description]
    join_approval_mode: NotRequired[JoinApprovalMode]
    link_managers: NotRequired[
        Annotated[LinkManagers, Field(description="grouplink's own: who can manage the link")]
    ]
    invite_links_paused_until: NotRequired[
        Annotated[
            int | None,
            Field(
                description="grouplink's own: no link admits anyone until then (unix s; 0 resumes)"
            ),
        ]
    ]
    invite_link_rotation_days: NotRequired[
        Annotated[
            Annotated[int, Field(ge=0, le=ROTATION_DAYS_MAX)] | None,
            Field(description="grouplink's own: reset the primary link every N days (0: never)"),
        ]
    ]
    join_questions: NotRequired[
        Annotated[
            list[Question],
            Field(
                max_length=MAX_QUESTIONS,
                description="grouplink's own: asked of those who need approval; [] asks none",
            ),
        ]
    ]
    profile_picture_file: NotRequired[bytes]
    file: NotRequired[Annotated[bytes, Field(description="the picture, as Meta also names it")]]


class GroupCreated(Written):
    id: str  # WIRE.md row 1, choice: the new group's id


class GroupSummary(TypedDict):
    id: str
    subject: str
    created_at: str  # unix seconds, as a string: Meta's spec and docs


class GroupsData(TypedDict):
    groups: list[GroupSummary]


class GroupList(TypedDict):
    data: GroupsData  # an object, as Meta's
    paging: Paging


class Participant(TypedDict):
    user_id: str
    wa_id: str
    invite_link_id: NotRequired[str]  # the link they came through, where there was one


class GroupInfo(TypedDict):
    """``id`` and the fields asked for (``fields=``), only those."""

    messaging_product: WhatsApp
    id: str
    subject: NotRequired[str]
    description: NotRequired[str]
    participants: NotRequired[list[Participant]]
    join_approval_mode: NotRequired[JoinApprovalMode]
    suspended: NotRequired[bool]
    creation_timestamp: NotRequired[int]
    total_participant_count: NotRequired[int]  # the business excluded
    link_managers: NotRequired[LinkManagers]
    invite_links_paused_until: NotRequired[int | None]
    invite_link_rotation_days: NotRequired[int]
    join_questions: NotRequired[list[str]]


class GroupDeleted(TypedDict):
    success: Literal[True]
    request_id: str


@router.post(
    "/{version:graph_version}/{phone_number_id}/groups",
    openapi_extra=body_doc(CreateGroupBody),
    **answers(GroupCreated),
)
async def create_group(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, phone_number_id: str, body: RequestBody
) -> GroupCreated:
    """Create a group with a working invite link; `group_create` webhook follows."""
    require_whatsapp(body)
    mode = body.get("join_approval_mode")
    created = await groups.create_group(
        core,
        business_id,
        phone_number_id,
        subject=clean_subject(body.get("subject")),
        description=clean_description(body.get("description") or ""),
        mode=clean_join_approval_mode(mode) if mode is not None else JoinApprovalMode.AUTO_APPROVE,
        actor=actor,
    )
    return {
        "messaging_product": "whatsapp",
        "request_id": created.request_id,
        "id": created.group_id,
    }


@router.get("/{version:graph_version}/{phone_number_id}/groups", **answers(GroupList))
async def list_groups(
    request: Request,
    core: CoreDep,
    business_id: BusinessId,
    phone_number_id: str,
    limit: PageLimit = 25,
    after: str | None = None,
    before: str | None = None,
) -> GroupList:
    """The phone number's groups, newest first, with signed cursors."""
    page = await groups.list_groups(core, business_id, phone_number_id, limit, after, before)
    items = cast(list[GroupSummary], page.items)  # services/groups.py builds them as such
    return {"data": {"groups": items}, "paging": paging(request, page, limit)}


@router.get("/{version:graph_version}/{group_id}", **answers(GroupInfo))
async def group_info(
    core: CoreDep, business_id: BusinessId, group_id: str, fields: str = ""
) -> GroupInfo:
    """`id` and the asked `fields` only."""
    names = [f.strip() for f in fields.split(",") if f.strip()]
    unknown = [
        n for n in names if n not in groups.GROUP_FIELDS and n not in ("id", "messaging_product")
    ]
    if unknown:
        raise InvalidParameter(
            f"Tried accessing nonexisting field ({unknown[0]}) on node type (Group)"
        )
    return cast(GroupInfo, await groups.group_info(core, business_id, group_id, names))


@router.post(
    "/{version:graph_version}/{group_id}",
    openapi_extra=body_doc(UpdateGroupBody, multipart=True),
    **answers(Written),
)
async def update_group(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str, body: RequestBody
) -> Written:
    """Change subject, description, picture, approval, who manages the link, and the
    pause and rotation of the group's links.

    Subject, description and picture changes send a `group_settings_update` webhook.
    """
    require_whatsapp(body)
    subject = optional_str(body, "subject")
    description = optional_str(body, "description")
    mode = body.get("join_approval_mode")
    managers = body.get("link_managers")
    pause, rotation = body.get("invite_links_paused_until"), body.get("invite_link_rotation_days")
    request_id = await group_settings.update_group(
        core,
        business_id,
        group_id,
        actor,
        subject=clean_subject(subject) if subject is not None else None,
        description=clean_description(description) if description is not None else None,
        picture=await _picture(body),
        join_approval_mode=clean_join_approval_mode(mode) if mode is not None else None,
        link_managers=clean_link_managers(managers) if managers is not None else None,
        links_paused_until=clean_pause(pause, "invite_links_paused_until", core.clock())
        if "invite_links_paused_until" in body
        else KEEP,
        link_rotation_days=clean_rotation_days(rotation)
        if "invite_link_rotation_days" in body
        else None,
        join_questions=clean_questions(body["join_questions"])
        if "join_questions" in body
        else None,
    )
    return {"messaging_product": "whatsapp", "request_id": request_id}


async def _picture(body: Body) -> Picture | None:
    upload = body.get("profile_picture_file", body.get("file"))
    if upload is None:
        return None
    if not isinstance(upload, UploadFile):
        raise InvalidParameter("profile_picture_file must be sent as a multipart file part")
    return await picture_upload.read_picture(await upload.read())


@router.delete("/{version:graph_version}/{group_id}", **answers(GroupDeleted))
async def delete_group(
    core: CoreDep, business_id: BusinessId, actor: ActorDep, group_id: str
) -> GroupDeleted:
    """Remove every participant and end the group; `group_delete` webhook follows."""
    request_id = await groups.delete_group(core, business_id, group_id, actor)
    return {"success": True, "request_id": request_id}
