"""The groups list, a new group, a group's info, its picture, and deleting it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from grouplink.domain.errors import DomainError, InvalidParameter, NotAllowed, Unavailable
from grouplink.domain.groups import (
    DESCRIPTION_MAX,
    SUBJECT_MAX,
    JoinApprovalMode,
    clean_description,
    clean_join_approval_mode,
    clean_subject,
)
from grouplink.domain.permissions import Ability
from grouplink.services import groups, overview, participants
from grouplink.web import format
from grouplink.web.console.common import (
    HOME,
    Console,
    ConsoleDep,
    back_to,
    confirm_page,
    group_frame,
    group_path,
    load_group,
    notice_text,
)
from grouplink.web.console.form_words import at_field, errors_of
from grouplink.web.context import FormField, check_form
from grouplink.web.pictures import picture_response

router = APIRouter()

PAGE_SIZE = 25

NOTICES = {
    "created": "Group created. Share its invite link to let people in.",
    "deleted": "Group deleted. Its participants were removed and its links stopped working.",
    "left": "You left the group.",
}


@router.get("")
async def group_list(
    console: ConsoleDep,
    after: str | None = None,
    before: str | None = None,
    notice: str | None = None,
) -> Response:
    page = await overview.my_groups(console.web.core, console.viewer, PAGE_SIZE, after, before)
    items = [
        {
            **item,
            "href": group_path(item["id"]),
            "initials": format.initials(item["subject"]),
            "tint": format.tint(item["id"]),
            "count": format.participants(item["participant_count"]),
            "picture_url": group_path(item["id"], "picture"),
        }
        for item in page.items
    ]
    return console.render(
        "console/groups.html",
        **console.chrome(HOME),
        items=items,
        older=f"{HOME}?after={page.after}" if page.has_next else None,
        newer=f"{HOME}?before={page.before}" if page.has_previous else None,
        notice=notice_text(NOTICES, notice, {}),
    )


@router.get("/new")
async def new_group_form(console: ConsoleDep) -> Response:
    return await _new_group_page(console)


@router.post("/new")
async def create_group(
    console: ConsoleDep,
    csrf: FormField = "",
    phone_number_id: FormField = "",
    subject: FormField = "",
    description: FormField = "",
    approval: FormField = "",
) -> Response:
    check_form(console.visitor, csrf)
    business_id = _business_only(console)
    typed = {
        "phone_number_id": phone_number_id,
        "subject": subject,
        "description": description,
        "approval": approval,
    }
    try:
        with at_field("subject", "subject", "Group name"):
            clean = clean_subject(subject)
        with at_field("description", "description", "Description"):
            about = clean_description(description.replace("\r\n", "\n"))
        with at_field("approval", "join_approval_mode", "Approve new participants"):
            mode = clean_join_approval_mode(approval or JoinApprovalMode.AUTO_APPROVE)
        created = await groups.create_group(
            console.web.core,
            business_id,
            phone_number_id,
            subject=clean,
            description=about,
            mode=mode,
            actor=console.viewer.actor(),
        )
    except Unavailable:
        raise  # the 503 page, not the form again with a sentence of it
    except DomainError as error:
        return await _new_group_page(console, typed, errors_of(error), status=400)
    return back_to(group_path(created.group_id, "invite"), "created")


@router.get("/groups/{group_id}")
async def group_info(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.VIEW)
    admins = [m for m in await overview.members(console.web.core, group) if m.role == "admin"]
    return console.render(
        "console/group.html",
        **group_frame(console, group, ""),
        admins=[format.display_phone(m.wa_id) for m in admins],
        created=format.date(group.created_at),
    )


@router.get("/groups/{group_id}/picture")
async def group_picture(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.VIEW)
    image = await groups.group_picture(console.web.core, group.pk)
    return picture_response(image, group.id, "private, max-age=300")


@router.get("/groups/{group_id}/delete")
async def confirm_delete_group(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.DELETE)
    return confirm_page(
        console,
        group,
        "delete",
        title=f"Delete {group.subject}?",
        warning=(
            "Every participant is removed and every invite link stops working. "
            "This can't be undone."
        ),
        confirm="Delete group",
    )


@router.post("/groups/{group_id}/delete")
async def delete_group(console: ConsoleDep, group_id: str, csrf: FormField = "") -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.DELETE)
    await groups.delete_group(console.web.core, group.business_id, group.id, console.viewer.actor())
    return back_to(HOME, "deleted")


@router.get("/groups/{group_id}/leave")
async def confirm_leave(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.VIEW)
    return confirm_page(
        console,
        group,
        "leave",
        title=f"Exit {group.subject}?",
        warning="You can join again through the group's invite link, if it still works.",
        confirm="Exit group",
    )


@router.post("/groups/{group_id}/leave")
async def leave_group(console: ConsoleDep, group_id: str, csrf: FormField = "") -> Response:
    """A person leaves a group they are in (a business is never a participant)."""
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.VIEW)
    wa_id = console.viewer.wa_id
    if wa_id is None:
        raise NotAllowed("A business owns its groups: it can delete them, not leave them")
    await participants.leave_group(console.web.core, group.business_id, group.id, wa_id, "console")
    return back_to(HOME, "left")


def _business_only(console: Console) -> str:
    if console.viewer.business_id is None:
        raise NotAllowed("Only the business can make groups: they belong to its phone numbers")
    return console.viewer.business_id


async def _new_group_page(
    console: Console,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
) -> Response:
    """The form, empty or (refused) with every field as it was sent."""
    business_id = _business_only(console)
    numbers = await overview.phone_numbers_of(console.web.core, business_id)
    if not numbers:
        raise InvalidParameter("This business has no phone number to make groups on")
    return console.render(
        "console/new_group.html",
        status,
        **console.chrome(f"{HOME}/new"),
        numbers=[
            {"id": n["id"], "label": format.display_phone(n["display_phone_number"])}
            for n in numbers
        ],
        form={
            "phone_number_id": "",
            "subject": "",
            "description": "",
            "approval": "",
            **(typed or {}),
        },
        errors=errors or {},
        subject_max=SUBJECT_MAX,
        description_max=DESCRIPTION_MAX,
    )
