"""Participants: remove (which bans them from the group's links), make or dismiss
admin; and the ban list, with unban."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.people import UserRef, normalize_wa_id
from grouplink.domain.permissions import Ability
from grouplink.services import overview, participants
from grouplink.services.overview import CameThrough
from grouplink.web import format
from grouplink.web.console.common import (
    ConsoleDep,
    ask_first,
    back_to,
    group_frame,
    group_path,
    load_group,
    notice_text,
)
from grouplink.web.context import FormField, check_form

router = APIRouter()


def via(came: CameThrough | None) -> str:
    """``via Poster at the library``; "" where no link was used (or may not be shown)."""
    return "" if came is None else format.came_through(came.name, came.is_primary, came.working)


REMOVE_WARNING = (
    "They leave the group now, and can't come back through an invite link unless you unban them."
)


def remove_question(phone: str) -> str:
    return f"Remove {phone} from the group?"


NOTICES = {
    "removed": "Removed. They can't come back through an invite link unless you unban them.",
    "promoted": "They're now an admin.",
    "demoted": "They're no longer an admin.",
    "unbanned": "Unbanned. They can join again through an invite link.",
}


@router.get("/groups/{group_id}/members")
async def member_list(console: ConsoleDep, group_id: str, notice: str | None = None) -> Response:
    group = await load_group(console, group_id, Ability.VIEW)
    core, viewer = console.web.core, console.viewer
    people = await overview.members(core, group)
    banned = await overview.banned(core, group) if group.may(Ability.MODERATE) else []
    return console.render(
        "console/members.html",
        **group_frame(console, group, "members"),
        members=[
            {
                "wa_id": m.wa_id,
                "phone": format.display_phone(m.wa_id),
                "admin": m.role == "admin",
                "me": m.wa_id == viewer.wa_id,
                "joined": format.date(m.joined_at),
                "via": via(m.came_through),
            }
            for m in people
        ],
        banned=[
            {
                "wa_id": b.wa_id,
                "phone": format.display_phone(b.wa_id),
                "when": format.date(b.banned_at),
            }
            for b in banned
        ],
        notice=notice_text(NOTICES, notice, {}),
        remove_question=remove_question,
        remove_warning=REMOVE_WARNING,
    )


@router.post("/groups/{group_id}/members")
async def change_member(
    console: ConsoleDep,
    group_id: str,
    csrf: FormField = "",
    action: FormField = "",
    wa_id: FormField = "",
    confirmed: FormField = "",
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MODERATE)
    core, business_id, actor = console.web.core, group.business_id, console.viewer.actor()
    person = normalize_wa_id(wa_id)
    if action == "remove" and confirmed != "yes":
        return ask_first(
            console,
            group,
            "members",
            {"action": action, "wa_id": person},
            title=remove_question(format.display_phone(person)),
            warning=REMOVE_WARNING,
            confirm="Remove",
        )
    if action == "remove":
        refs = [UserRef(person, wa_id=person)]
        await participants.remove_participants(core, business_id, group.id, refs, actor)
        notice = "removed"
    elif action in ("promote", "demote"):
        admin = action == "promote"
        await participants.set_admin(core, business_id, group.id, person, admin, actor)
        notice = "promoted" if admin else "demoted"
    elif action == "unban":
        await participants.unban(core, business_id, group.id, person, actor)
        notice = "unbanned"
    else:
        raise InvalidParameter(f"Unknown action '{action}'")
    return back_to(group_path(group.id, "members"), notice)
