"""The "Invite links" screen: the main link (copy, share, QR code, reset, delete) and the
group's other links, by state; reset and delete of the main link.

Reset and delete each ask first, saying how many links stop working: in a dialog
when scripts run, on a page of its own when they don't.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response

from grouplink.domain.link_settings import MAX_OTHER_LINKS
from grouplink.domain.links import LinkState
from grouplink.domain.permissions import Ability
from grouplink.services import invite_links, links
from grouplink.services.invite_links import LinkDetails
from grouplink.services.overview import GroupView
from grouplink.store.paging import Page
from grouplink.web import format
from grouplink.web.console import link_view
from grouplink.web.console.common import (
    Choice,
    Console,
    ConsoleDep,
    back_to,
    confirm_page,
    group_frame,
    group_path,
    load_group,
    notice_text,
)
from grouplink.web.console.links import link_path
from grouplink.web.context import FormField, check_form

router = APIRouter()

PAGE_SIZE = 25
# The filters of the list; "" (the first) shows the links that work or will again.
VIEWS = (
    ("", "Working"),
    (LinkState.EXPIRED, "Expired"),
    (LinkState.USED_UP, "Used up"),
    (LinkState.REVOKED, "Revoked"),
)
NOTICES = {
    "created": "Group created. Share its invite link to let people in.",
    "reset": "Link reset. The old link no longer works; share this new one.",
    "reset_all": "Links reset. The {n} old links no longer work; share this new one.",
    "reset_primary": "Main link reset. The old main link no longer works; the others still do.",
    "deleted": "Link deleted. Nobody can join by link until you make a new one.",
    "revoked": "Link revoked. It no longer works.",
    "sent": "Link sent via WhatsApp to {n} people.",
    "sent_one": "Link sent via WhatsApp.",
}


@dataclass(frozen=True, slots=True)
class Stopping:
    """The links a reset or a delete would stop now."""

    has_main: bool  # the group has a main link, working or not
    main: bool  # the main link works (or is only paused)
    others: int

    @property
    def total(self) -> int:
        return self.others + (1 if self.main else 0)

    def reset_warning(self) -> str:
        if self.total == 0:
            return "People will be able to join with the new link."
        return f"{self._stop()} You'll get a new link to share."

    def delete_warning(self) -> str:
        return f"{self._stop()} Nobody can join by link until you make a new one."

    def _stop(self) -> str:
        others = f"{self.others} other{'s' if self.others != 1 else ''}"
        if self.main and not self.others:
            return "The current link will stop working at once."
        if self.main:
            return f"{self.total} links will stop working at once: the current link and {others}."
        return f"{format.link_count(self.others)} will stop working at once."


async def stopping(console: Console, group: GroupView, main: LinkDetails | None) -> Stopping:
    working = await links.working_links(console.web.core, group.pk)
    main_works = main is not None and main.state in link_view.WORKING
    return Stopping(main is not None, main_works, working - (1 if main_works else 0))


@router.get("/groups/{group_id}/invite")
async def invite_screen(
    console: ConsoleDep,
    group_id: str,
    show: str = "",
    after: str | None = None,
    before: str | None = None,
    notice: str | None = None,
    n: str = "",
) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    view = show if show in dict(VIEWS) else ""
    return await invite_page(console, group, view, after, before, notice, n)


async def invite_page(
    console: Console,
    group: GroupView,
    view: str = "",
    after: str | None = None,
    before: str | None = None,
    notice: str | None = None,
    n: str = "",
    *,
    send: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The screen; ``send`` is a refused "Send link via WhatsApp" form as it was typed
    (``numbers``, ``error``), shown again with ``status``."""
    main = await main_link(console, group)
    listed = await _other_links(console, group, view, after, before)
    stop = await stopping(console, group, main)
    here = group_path(group.id, "invite")
    group_paused = group.links_paused_at(console.web.core.clock())
    return console.render(
        "console/invite.html",
        status,
        **group_frame(console, group, "invite"),
        send=send or {"numbers": "", "error": ""},
        main=None if main is None else link_view.row(main, link_path(group.id, main.id)),
        qr_svg=link_view.qr_svg(main.url, group.subject) if main else "",
        qr_png=group_path(group.id, "invite/qr.png"),
        stop=stop,
        reset_label=reset_label(stop),
        delete_label=delete_label(stop),
        primary_only=primary_only_choice(stop),
        group_paused=format.moment(group_paused) if group_paused else "",
        views=[
            {"label": label, "href": here + (f"?show={key}" if key else ""), "current": key == view}
            for key, label in VIEWS
        ],
        view_label=dict(VIEWS)[view],
        links=[link_view.row(link, link_path(group.id, link.id)) for link in listed.items],
        older=f"{here}?show={view}&after={listed.after}" if listed.has_next else None,
        newer=f"{here}?show={view}&before={listed.before}" if listed.has_previous else None,
        notice=notice_text(NOTICES, notice, {"n": n}),
    )


async def main_link(console: Console, group: GroupView) -> LinkDetails | None:
    if group.link_id is None:
        return None
    return await invite_links.get_link(
        console.web.core, group.business_id, group.id, group.link_id, console.viewer.actor()
    )


async def _other_links(
    console: Console, group: GroupView, view: str, after: str | None, before: str | None
) -> Page[LinkDetails]:
    """The links besides the main one: those that work (or will again) in one list, as
    a group has few of them, or those of one ended state, a page at a time."""
    core, actor = console.web.core, console.viewer.actor()

    async def listing(state: LinkState, limit: int, **cursors: str | None) -> Page[LinkDetails]:
        return await invite_links.list_links(
            core, group.business_id, group.id, actor, state=state, limit=limit, **cursors
        )

    if view:
        page = await listing(LinkState(view), PAGE_SIZE, after=after, before=before)
    else:
        everyone = MAX_OTHER_LINKS + 1  # the main link may be among them
        active = await listing(LinkState.ACTIVE, everyone)
        paused = await listing(LinkState.PAUSED, everyone)
        working = sorted(active.items + paused.items, key=lambda link: -link.created_at)
        page = Page(working, None, None, False, False)
    others = [link for link in page.items if not link.is_primary]
    return Page(others, page.before, page.after, page.has_previous, page.has_next)


@router.get("/groups/{group_id}/invite/qr.png")
async def qr_download(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    if group.link_code is None:
        return back_to(group_path(group.id, "invite"), "deleted")
    return link_view.qr_png(console.web.core.link_url(group.link_code), group.subject)


@router.get("/groups/{group_id}/invite/reset")
async def confirm_reset(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    stop = await stopping(console, group, await main_link(console, group))
    return confirm_page(
        console,
        group,
        "invite/reset",
        title="Reset link?" if stop.has_main else "Make a new link?",
        warning=stop.reset_warning(),
        confirm=reset_label(stop),
        back="invite",
        alternative=primary_only_choice(stop),
    )


def reset_label(stop: Stopping) -> str:
    if stop.total > 1:
        return f"Reset all {stop.total} links"
    return "Reset link" if stop.has_main else "Make link"


def delete_label(stop: Stopping) -> str:
    return f"Delete all {stop.total} links" if stop.total > 1 else "Delete link"


def primary_only_choice(stop: Stopping) -> Choice | None:
    """A reset that leaves the other links working, when there are any."""
    if not stop.others:
        return None
    label = "Reset only the main link" if stop.has_main else "Make a main link, keep the others"
    return Choice(label, "scope", "primary", f"“{label}”: the other links keep working.")


@router.post("/groups/{group_id}/invite/reset")
async def reset(
    console: ConsoleDep, group_id: str, csrf: FormField = "", scope: FormField = ""
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    primary_only = scope == "primary"
    stopped = (await stopping(console, group, await main_link(console, group))).total
    await links.reset_link(
        console.web.core,
        group.business_id,
        group.id,
        console.viewer.actor(),
        primary_only=primary_only,
    )
    here = group_path(group.id, "invite")
    if primary_only:
        return back_to(here, "reset_primary")
    return back_to(here, "reset_all", n=stopped) if stopped > 1 else back_to(here, "reset")


@router.get("/groups/{group_id}/invite/delete")
async def confirm_delete(console: ConsoleDep, group_id: str) -> Response:
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    stop = await stopping(console, group, await main_link(console, group))
    return confirm_page(
        console,
        group,
        "invite/delete",
        title="Delete link?",
        warning=stop.delete_warning(),
        confirm=delete_label(stop),
        back="invite",
    )


@router.post("/groups/{group_id}/invite/delete")
async def delete(console: ConsoleDep, group_id: str, csrf: FormField = "") -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    await links.delete_link(console.web.core, group.business_id, group.id, console.viewer.actor())
    return back_to(group_path(group.id, "invite"), "deleted")
