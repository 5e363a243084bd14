""" "Invite to group via link": copy, share, QR code, reset and delete.

Reset and delete each ask first, saying that every earlier link stops working:
in a dialog when scripts run, on a page of its own when they don't.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import Response
from markupsafe import Markup

from grouplink.domain.permissions import Ability
from grouplink.services import links
from grouplink.services.overview import GroupView
from grouplink.web import qr
from grouplink.web.console.common import (
    Console,
    ConsoleDep,
    back_to,
    confirm_page,
    group_frame,
    group_path,
    load_group,
    notice_text,
)
from grouplink.web.context import FormField, check_form

router = APIRouter()


RESET_WARNING = (
    "The current link will stop working at once, and so will every earlier one. "
    "People who have it won't be able to join with it. You'll get a new link to share."
)
DELETE_WARNING = (
    "The current link will stop working at once, and so will every earlier one. "
    "Nobody can join by link until you make a new one."
)
NOTICES = {
    "created": "Group created. Share its invite link to let people in.",
    "reset": "Link reset. The old link no longer works; share this new one.",
    "deleted": "Link deleted. Nobody can join by link until you make a new one.",
}


@router.get("/groups/{group_id}/invite")
async def invite_screen(console: ConsoleDep, group_id: str, notice: str | None = None) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    url = _link_url(console, group)
    return console.render(
        "console/invite.html",
        **group_frame(console, group, "invite"),
        url=url,
        qr_svg=Markup(qr.svg(url, f"QR code of the invite link to {group.subject}")) if url else "",
        qr_png=group_path(group.id, "invite/qr.png"),
        reset_warning=RESET_WARNING,
        delete_warning=DELETE_WARNING,
        notice=notice_text(NOTICES, notice, {}),
    )


@router.get("/groups/{group_id}/invite/qr.png")
async def qr_download(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    url = _link_url(console, group)
    if not url:
        return back_to(group_path(group.id, "invite"), "deleted")
    name = re.sub(r"[^A-Za-z0-9]+", "-", group.subject).strip("-").lower() or "group"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}-invite-qr.png"',
        "Cache-Control": "no-store",  # the link inside changes on reset
        "X-Content-Type-Options": "nosniff",
    }
    return Response(qr.png(url), 200, headers, "image/png")


@router.get("/groups/{group_id}/invite/reset")
async def confirm_reset(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    return confirm_page(
        console,
        group,
        "invite/reset",
        title="Reset link?",
        warning=RESET_WARNING,
        confirm="Reset link",
        back="invite",
    )


@router.post("/groups/{group_id}/invite/reset")
async def reset(console: ConsoleDep, group_id: str, csrf: FormField = "") -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    await links.reset_link(console.web.core, group.business_id, group.id, console.viewer.actor())
    return back_to(group_path(group.id, "invite"), "reset")


@router.get("/groups/{group_id}/invite/delete")
async def confirm_delete(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    return confirm_page(
        console,
        group,
        "invite/delete",
        title="Delete link?",
        warning=DELETE_WARNING,
        confirm="Delete link",
        back="invite",
    )


@router.post("/groups/{group_id}/invite/delete")
async def delete(console: ConsoleDep, group_id: str, csrf: FormField = "") -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    await links.delete_link(console.web.core, group.business_id, group.id, console.viewer.actor())
    return back_to(group_path(group.id, "invite"), "deleted")


def _link_url(console: Console, group: GroupView) -> str:
    return console.web.core.link_url(group.link_code) if group.link_code else ""
