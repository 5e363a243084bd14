"""One invite link besides the main one: make it, see it (copy, share, QR code), edit it,
pause or resume it, and revoke it (which asks first, as reset does)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from grouplink.domain.errors import InvalidParameter, NotFound
from grouplink.domain.link_settings import KEEP, LinkChanges, clean_link_changes
from grouplink.domain.links import LinkState
from grouplink.domain.permissions import Ability
from grouplink.services import invite_links
from grouplink.services.invite_links import LinkDetails
from grouplink.services.overview import GroupView
from grouplink.web import format
from grouplink.web.console import link_form, link_view
from grouplink.web.console.common import (
    Console,
    ConsoleDep,
    Notice,
    back_to,
    confirm_page,
    group_frame,
    group_path,
    load_group,
    notice_text,
)
from grouplink.web.console.link_form import LinkForm, LinkFormDep
from grouplink.web.console.when import PAUSE, chosen_seconds
from grouplink.web.context import FormField, check_form

router = APIRouter()

NOTICES = {
    "created": "Link made. Share it, or let people scan its QR code.",
    "saved": "Link saved.",
    "unchanged": "Nothing to save: nothing was changed.",
    "paused": "Link paused. Nobody can join through it until the pause ends.",
    "resumed": "Link resumed. People can join through it again.",
}
WARNINGS = frozenset({"unchanged"})
REVOKE_WARNING = (
    "This link will stop working at once, and can't be made to work again. "
    "People who have it won't be able to join with it. Your other links keep working."
)


def link_path(group_id: str, link_id: str, action: str = "") -> str:
    return group_path(group_id, f"invite/links/{link_id}" + (f"/{action}" if action else ""))


# --- making a link ---------------------------------------------------------------------------


@router.get("/groups/{group_id}/invite/new")
async def new_link_form(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    return _form_page(console, group, LinkForm())


@router.post("/groups/{group_id}/invite/new")
async def create_link(
    console: ConsoleDep, group_id: str, form: LinkFormDep, csrf: FormField = ""
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    checked = link_form.check(form, console.web.core.clock())
    if checked.errors:
        return _form_page(console, group, form, checked.errors, status=400)
    try:
        _, link = await invite_links.create_link(
            console.web.core, group.business_id, group.id, console.viewer.actor(), checked.changes
        )
    except InvalidParameter as refused:  # such as too many links
        return _form_page(console, group, form, {"": refused.details}, status=400)
    return back_to(link_path(group.id, link.id), "created")


# --- one link ----------------------------------------------------------------------------------


@router.get("/groups/{group_id}/invite/links/{link_id}")
async def link_screen(
    console: ConsoleDep, group_id: str, link_id: str, notice: str | None = None
) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    link = await _load_link(console, group, link_id)
    return _link_page(console, group, link, notice=notice_text(NOTICES, notice, {}, WARNINGS))


@router.get("/groups/{group_id}/invite/links/{link_id}/qr.png")
async def link_qr(console: ConsoleDep, group_id: str, link_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    link = await _load_link(console, group, link_id)
    return link_view.qr_png(link.url, group.subject, link.name)


@router.get("/groups/{group_id}/invite/links/{link_id}/edit")
async def edit_link_form(console: ConsoleDep, group_id: str, link_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    link = await _load_link(console, group, link_id)
    return _form_page(console, group, LinkForm.of(link), link=link)


@router.post("/groups/{group_id}/invite/links/{link_id}/edit")
async def edit_link(
    console: ConsoleDep, group_id: str, link_id: str, form: LinkFormDep, csrf: FormField = ""
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    link = await _load_link(console, group, link_id)
    checked = link_form.check(form, console.web.core.clock(), was=LinkForm.of(link))
    if checked.errors:
        return _form_page(console, group, form, checked.errors, link=link, status=400)
    if checked.changes.is_empty():
        return back_to(link_path(group.id, link.id), "unchanged")
    try:
        await _edit(console, group, link, checked.changes)
    except InvalidParameter as refused:  # such as a link revoked meanwhile
        return _form_page(console, group, form, {"": refused.details}, link=link, status=400)
    return back_to(link_path(group.id, link.id), "saved")


@router.post("/groups/{group_id}/invite/links/{link_id}/pause")
async def pause_link(
    console: ConsoleDep,
    group_id: str,
    link_id: str,
    csrf: FormField = "",
    pause: FormField = "",
    pause_at: FormField = "",
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    link = await _load_link(console, group, link_id)
    now = console.web.core.clock()
    try:
        until = chosen_seconds(pause, pause_at, now)
        if until is KEEP:
            raise InvalidParameter("Choose how long to pause the link")
        changes = clean_link_changes({"paused_until": until}, now)
        await _edit(console, group, link, changes)
    except InvalidParameter as refused:
        sent = {"pause": pause, "pause_at": pause_at}
        return _link_page(console, group, link, pause_sent=sent, error=refused.details, status=400)
    return back_to(link_path(group.id, link.id), "paused" if until else "resumed")


@router.post("/groups/{group_id}/invite/links/{link_id}/resume")
async def resume_link(
    console: ConsoleDep, group_id: str, link_id: str, csrf: FormField = ""
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    link = await _load_link(console, group, link_id)
    now = console.web.core.clock()
    await _edit(console, group, link, clean_link_changes({"paused_until": 0}, now))
    return back_to(link_path(group.id, link.id), "resumed")


@router.get("/groups/{group_id}/invite/links/{link_id}/revoke")
async def confirm_revoke(console: ConsoleDep, group_id: str, link_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    link = await _load_link(console, group, link_id)
    return confirm_page(
        console,
        group,
        f"invite/links/{link.id}/revoke",
        title=f"Revoke {link_view.title(link)}?",
        warning=REVOKE_WARNING,
        confirm="Revoke link",
        back=f"invite/links/{link.id}",
    )


@router.post("/groups/{group_id}/invite/links/{link_id}/revoke")
async def revoke_link(
    console: ConsoleDep, group_id: str, link_id: str, csrf: FormField = ""
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    link = await _load_link(console, group, link_id)
    await invite_links.revoke_link(
        console.web.core, group.business_id, group.id, link.id, console.viewer.actor()
    )
    return back_to(group_path(group.id, "invite"), "revoked")


# --- shared by the routes above ----------------------------------------------------------------


async def _load_link(console: Console, group: GroupView, link_id: str) -> LinkDetails:
    try:
        return await invite_links.get_link(
            console.web.core, group.business_id, group.id, link_id, console.viewer.actor()
        )
    except InvalidParameter:
        raise NotFound(f"No invite link with id {link_id} in this group") from None


async def _edit(
    console: Console, group: GroupView, link: LinkDetails, changes: LinkChanges
) -> None:
    await invite_links.edit_link(
        console.web.core, group.business_id, group.id, link.id, console.viewer.actor(), changes
    )


def _link_page(
    console: Console,
    group: GroupView,
    link: LinkDetails,
    *,
    pause_sent: dict[str, str] | None = None,
    error: str = "",
    notice: Notice | None = None,
    status: int = 200,
) -> Response:
    return console.render(
        "console/link.html",
        status,
        **group_frame(console, group, "invite"),
        link=link_view.row(link, link_path(group.id, link.id)),
        is_primary=link.is_primary,
        own_pause=format.moment(link.paused_until) if link.paused_until else "",
        group_pause=format.moment(link.paused_by_group_until) if link.paused_by_group_until else "",
        changeable=link.state is not LinkState.REVOKED,
        facts=link_view.facts(link, group.approval),
        qr_svg=link_view.qr_svg(link.url, group.subject),
        qr_png=link_path(group.id, link.id, "qr.png"),
        pause_options=PAUSE.options()[1:],  # "Not paused" is the Resume button's
        pause=pause_sent or {"pause": "1d", "pause_at": ""},
        revoke_warning=REVOKE_WARNING,
        error=error,
        notice=notice,
    )


def _form_page(
    console: Console,
    group: GroupView,
    form: LinkForm,
    errors: dict[str, str] | None = None,
    *,
    link: LinkDetails | None = None,
    status: int = 200,
) -> Response:
    """The form that makes a link, or (with ``link``) edits it."""
    group_rule = link_view.APPROVAL_WORDS[group.approval].lower()
    current_expiry = "" if link is None else link_view.expiry_words(link)
    return console.render(
        "console/link_form.html",
        status,
        **group_frame(console, group, "invite"),
        **link_form.context(
            form, errors or {}, group_rule=group_rule, current_expiry=current_expiry
        ),
        title="New invite link" if link is None else f"Edit {link_view.title(link)}",
        # The main link follows the group's rules: it has a name, and nothing more to set.
        primary=link is not None and link.is_primary,
        action=group_path(group.id, "invite/new")
        if link is None
        else link_path(group.id, link.id, "edit"),
        submit="Make link" if link is None else "Save",
        cancel=group_path(group.id, "invite") if link is None else link_path(group.id, link.id),
    )
