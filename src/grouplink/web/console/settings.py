"""Group settings: subject, description, picture, "approve new participants" and
"who can manage the invite link". Only what changed is saved (and announced)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from grouplink.domain.errors import DomainError
from grouplink.domain.groups import (
    JoinApprovalMode,
    LinkManagers,
    clean_description,
    clean_link_managers,
    clean_subject,
)
from grouplink.domain.permissions import Ability
from grouplink.domain.picture import Picture, validate_picture
from grouplink.services import groups
from grouplink.services.overview import GroupView
from grouplink.web.console.common import (
    Console,
    ConsoleDep,
    back_to,
    group_frame,
    group_path,
    load_group,
    notice_text,
)
from grouplink.web.context import FormField, check_form

router = APIRouter()

NOTICES = {"saved": "Settings saved.", "unchanged": "Nothing to save: nothing was changed."}


@router.get("/groups/{group_id}/settings")
async def settings_form(console: ConsoleDep, group_id: str, notice: str | None = None) -> Response:
    group = await load_group(console, group_id, Ability.EDIT)
    return _page(console, group, notice=notice_text(NOTICES, notice, {}))


@router.post("/groups/{group_id}/settings")
async def save_settings(
    console: ConsoleDep,
    group_id: str,
    csrf: FormField = "",
    subject: FormField = "",
    description: FormField = "",
    approval: FormField = "",  # the checkbox: "on" when ticked, absent when not
    link_managers: FormField = "",
    picture: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.EDIT)
    sent = {"subject": subject, "description": description}
    try:
        changes = await _changes(group, subject, description, approval, link_managers, picture)
        if not changes:
            return back_to(group_path(group.id, "settings"), "unchanged")
        await groups.update_group(
            console.web.core, group.business_id, group.id, console.viewer.actor(), **changes
        )
    except DomainError as error:
        return _page(console, group, sent=sent, error=error.details, status=400)
    return back_to(group_path(group.id, "settings"), "saved")


async def _changes(
    group: GroupView,
    subject: str,
    description: str,
    approval: str,
    link_managers: str,
    picture: UploadFile | None,
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    new_subject = clean_subject(subject)
    if new_subject != group.subject:
        changes["subject"] = new_subject
    new_description = clean_description(description.replace("\r\n", "\n"))
    if new_description != group.description:
        changes["description"] = new_description
    mode = JoinApprovalMode.APPROVAL_REQUIRED if approval else JoinApprovalMode.AUTO_APPROVE
    if mode is not group.approval:
        changes["join_approval_mode"] = mode
    managers = clean_link_managers(link_managers or group.link_managers)
    if managers is not group.link_managers:
        changes["link_managers"] = managers
    new_picture = await _picture(picture)
    if new_picture is not None and new_picture.sha256 != group.picture_sha256:
        changes["picture"] = new_picture
    return changes


async def _picture(upload: UploadFile | None) -> Picture | None:
    if upload is None or not upload.filename:
        return None  # the file field was left empty
    return validate_picture(await upload.read())


def _page(
    console: Console,
    group: GroupView,
    *,
    sent: dict[str, str] | None = None,
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> Response:
    return console.render(
        "console/settings.html",
        status,
        **group_frame(console, group, "settings"),
        subject=(sent or {}).get("subject", group.subject),
        description=(sent or {}).get("description", group.description),
        approval_required=group.approval is JoinApprovalMode.APPROVAL_REQUIRED,
        all_manage=group.link_managers is LinkManagers.ALL,
        error=error,
        notice=notice,
    )
