"""The link page ``/{CODE}``: what a person sees when they open an invite link.

GET shows the group and where the visitor stands; POST joins, asks to join or
withdraws, through the same engine as every other door, then sends the browser
back to GET (so reloading never repeats a post). The route is one path segment
and goes last, so it cannot shadow any other route.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from grouplink.domain.errors import (
    Banned,
    DuplicateParticipant,
    GroupFull,
    InvalidParameter,
    JoinRequestUnknown,
    LinkDead,
)
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.opens import is_unfurler, visitor_of
from grouplink.domain.picture import PICTURE_MIME, THUMBNAIL_SIDE
from grouplink.inputs import FORM_TEXT
from grouplink.paths import LINK_PAGE
from grouplink.services import joins, link_preview
from grouplink.services.link_preview import LinkPreview, LinkStatus, Standing
from grouplink.services.throttle import Hit
from grouplink.web import default_picture, format
from grouplink.web.context import Visitor, VisitorDep, Web, WebDep, check_form, chrome
from grouplink.web.navigation import link_path, see_other
from grouplink.web.templating import render

router = APIRouter(include_in_schema=False)

DONE = frozenset({"joined", "withdrawn", "full"})
JOIN = "join"  # the intent a sign-in carries from the link page's Join or Request button


@router.api_route(LINK_PAGE, methods=["GET", "HEAD"])
async def link_page(
    request: Request, code: str, web: WebDep, visitor: VisitorDep, done: str | None = None
) -> Response:
    await web.throttle.check_view(Hit(web.settings.rate_link_page, "page", visitor.address))
    preview = await link_preview.preview(web.core, code, visitor.wa_id)
    if preview.group is None:
        return visitor.keep_cookies(_dead(preview.status))
    agent = request.headers.get("user-agent", "")
    if request.method == "GET" and preview.link_pk is not None and not is_unfurler(agent):
        web.opens.seen(preview.link_pk, visitor_of(visitor.wa_id, visitor.address, agent))
    return visitor.keep_cookies(_page(web, visitor, code, preview, done))


def _page(
    web: Web,
    visitor: Visitor,
    code: str,
    preview: LinkPreview,
    done: str | None,
    *,
    answers: list[str] | None = None,
    error: str = "",
) -> Response:
    state = page_state(preview, done if done in DONE else None)
    context = _open_context(web, visitor, code, preview, state, done)
    typed = answers or [""] * len(preview.group.questions if preview.group else ())
    return render("link.html", 400 if error else 200, **context, answers=typed, error=error)


@router.post(LINK_PAGE, dependencies=FORM_TEXT)
async def link_action(
    code: str,
    web: WebDep,
    visitor: VisitorDep,
    csrf: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    answer_1: Annotated[str, Form()] = "",
    answer_2: Annotated[str, Form()] = "",
    answer_3: Annotated[str, Form()] = "",
) -> Response:
    if visitor.wa_id is None:
        return see_other(signin_path(code))
    check_form(visitor, csrf)
    if action == "withdraw":
        await _check_join_rate(web, visitor.address, visitor.wa_id)
        return see_other(link_path(code, await _withdraw(web, code, visitor.wa_id)))
    answers = [answer_1, answer_2, answer_3]
    while answers and not answers[-1].strip():
        answers.pop()  # the form has a field for each question: only those count
    try:
        return see_other(
            await join_through_link(web, code, visitor.wa_id, visitor.address, answers)
        )
    except InvalidParameter as refused:  # an answer missing or too long: ask again
        preview = await link_preview.preview(web.core, code, visitor.wa_id)
        if preview.group is None:
            return see_other(link_path(code))
        asked = answers[: len(preview.group.questions)]
        return _page(web, visitor, code, preview, None, answers=asked, error=refused.details)


def signin_path(code: str) -> str:
    """Sign-in, then back to the link to join it (or ask to) without pressing again."""
    return f"/signin?next={link_path(code)}&intent={JOIN}"


async def join_through_link(
    web: Web, code: str, wa_id: str, address: str, answers: list[str]
) -> str:
    """Join, or ask to join, through the link: the page to go to next. Raises
    InvalidParameter when the join questions' answers are missing or too long."""
    await _check_join_rate(web, address, wa_id)
    try:
        outcome = await joins.open_link(web.core, code, wa_id, door="link_page", answers=answers)
    except GroupFull:
        return link_path(code, "full")
    except (LinkDead, Banned, DuplicateParticipant):
        return link_path(code)  # the page, fetched again, says why
    return link_path(code, "joined" if outcome.status == "joined" else None)


async def _check_join_rate(web: Web, address: str, wa_id: str) -> None:
    rate = web.settings.rate_join
    await web.throttle.check(Hit(rate, "join-address", address), Hit(rate, "join-person", wa_id))


async def _withdraw(web: Web, code: str, wa_id: str) -> str | None:
    try:
        await joins.cancel_request(web.core, code, wa_id, door="link_page")
    except (JoinRequestUnknown, LinkDead):
        return None
    return "withdrawn"


def page_state(preview: LinkPreview, done: str | None) -> str:
    """Which of the page's states to show: one template block each."""
    assert preview.group is not None
    standing = preview.standing
    if standing is Standing.BANNED:
        return "banned"
    if standing is Standing.MEMBER:
        return "joined" if done == "joined" else "member"
    if standing is Standing.PENDING:
        return "requested"
    if standing is Standing.NOT_ALLOWED:
        return "not_allowed"
    if preview.status is LinkStatus.PAUSED:
        return "paused"
    if preview.group.full or done == "full":
        return "full"
    return "join" if preview.group.approval is JoinApprovalMode.AUTO_APPROVE else "ask"


def _dead(status: LinkStatus) -> Response:
    """A link that admits nobody shows nothing of its group. Unknown, deleted and
    withdrawn-group links are one page (404); the others say what happened (410)."""
    gone = status is LinkStatus.GONE
    return render("link_dead.html", 404 if gone else 410, why=status.value)


def _open_context(
    web: Web, visitor: Visitor, code: str, preview: LinkPreview, state: str, done: str | None
) -> dict[str, Any]:
    group = preview.group
    assert group is not None
    here = link_path(code)
    console = f"/console/groups/{preview.group_id}" if preview.group_id else None
    version = group.picture_sha256[:16] if group.picture_sha256 else "none"
    description = format.summary(group.description) or (
        f"Group invite · {format.participants(group.participant_count)}"
    )
    return {
        **chrome(visitor, here),
        "group": group,
        "state": state,
        "withdrawn": done == "withdrawn",
        "restricted": preview.restricted,
        "here": here,
        "signin_url": signin_path(code),
        "initials": format.initials(group.subject),
        "tint": format.tint(group.key),
        "count": format.participants(group.participant_count),
        "paused_until": format.moment(preview.paused_until) if preview.paused_until else None,
        "picture_url": f"/pictures/{code}?v={version}",
        "console_url": console,
        "manage_url": f"{console}/invite" if console and preview.can_manage_link else None,
        "og": {
            "title": group.subject,
            "description": description,
            "url": web.core.link_url(code),
            "image": f"{web.public_url}/pictures/{code}?v={version}",
            **_og_image(group.picture_sha256 is not None),
        },
    }


def _og_image(has_picture: bool) -> dict[str, str]:
    """What ``/pictures/{code}`` serves, so that unfurlers can lay it out before they
    fetch it: the group's JPEG thumbnail, or the drawn PNG of a group without one."""
    if has_picture:
        side, mime = THUMBNAIL_SIDE, PICTURE_MIME
    else:
        side, mime = default_picture.SIZE, "image/png"
    return {"image_width": str(side), "image_height": str(side), "image_type": mime}
