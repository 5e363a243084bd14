"""Pending join requests: approve or reject one, several (ticked) or all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from grouplink.domain.errors import GroupFull, InvalidParameter
from grouplink.domain.join_requests import MAX_DECISIONS
from grouplink.domain.permissions import Ability
from grouplink.services import join_requests, overview
from grouplink.services.overview import GroupView
from grouplink.web import format
from grouplink.web.console.common import (
    Console,
    ConsoleDep,
    ask_first,
    back_to,
    group_frame,
    group_path,
    load_group,
    notice_text,
)
from grouplink.web.console.members import via
from grouplink.web.context import FormField, check_form

router = APIRouter()

NOTICES = {
    "approved": "Approved {n} request{s}.",
    "rejected": "Rejected {n} request{s}.",
    "banned": "Rejected and banned {n} person{s}: they can't ask again through any link.",
    "full": "The group is full: {n} request{s} could not be approved.",
    "partly": "Approved {done}; the group is full, so {n} request{s} could not be approved.",
    "stale": "Those requests were already settled or withdrawn.",
    "none": "Tick the requests first, or use Approve all or Reject all.",
}
WARNINGS = frozenset({"full", "partly", "stale", "none"})


@dataclass(frozen=True, slots=True)
class Ask:
    title: str
    warning: str
    confirm: str  # the button that says yes


def asks_for_everyone(group: GroupView) -> dict[str, Ask]:
    """What "Approve all" and "Reject all" ask first, by action."""
    n, room = group.pending_count, max(0, group.max_participants - group.participant_count)
    many = f"{n} request{'' if n == 1 else 's'}"
    fits = "They join the group now."
    if room < n:
        fits = f"There is room for {room} more, so {n - room} will keep waiting."
    return {
        "approve": Ask(f"Approve all {many}?", fits, "Approve all"),
        "reject": Ask(
            f"Reject all {many}?", "They won't join. They can ask again by link.", "Reject all"
        ),
    }


@router.get("/groups/{group_id}/requests")
async def request_list(
    console: ConsoleDep,
    group_id: str,
    notice: str | None = None,
    n: str = "",
    done: str = "",
) -> Response:
    group = await load_group(console, group_id, Ability.DECIDE)
    pending = await overview.pending_requests(console.web.core, group)
    now = console.web.core.clock()
    return console.render(
        "console/requests.html",
        **group_frame(console, group, "requests"),
        requests=[
            {
                "id": r.id,
                "wa_id": r.wa_id,
                "phone": format.display_phone(r.wa_id),
                "ago": format.ago(r.created_at, now),
                "at": format.iso_moment(r.created_at),
                "moment": format.moment(r.created_at),
                "via": via(r.came_through),
                "answers": r.answers,
            }
            for r in pending
        ],
        room=max(0, group.max_participants - group.participant_count),
        everyone=asks_for_everyone(group),
        notice=notice_text(NOTICES, notice, {"n": n, "done": done}, WARNINGS),
    )


@router.post("/groups/{group_id}/requests")
async def decide_many(
    console: ConsoleDep,
    group_id: str,
    csrf: FormField = "",
    action: FormField = "",
    scope: FormField = "",
    ids: Annotated[list[str] | None, Form()] = None,
    confirmed: FormField = "",
) -> Response:
    """The ticked requests, or every pending one with ``scope=all`` (asked first)."""
    check_form(console.visitor, csrf)
    if scope == "all" and confirmed != "yes" and action in ("approve", "reject"):
        group = await load_group(console, group_id, Ability.DECIDE)
        ask = asks_for_everyone(group)[action]
        fields = {"scope": scope, "action": action}
        return ask_first(
            console,
            group,
            "requests",
            fields,
            title=ask.title,
            warning=ask.warning,
            confirm=ask.confirm,
            danger=action == "reject",
        )
    chosen = None if scope == "all" else list(dict.fromkeys(ids or []))[:MAX_DECISIONS]
    return await _decide(console, group_id, chosen, action == "approve")


@router.post("/groups/{group_id}/requests/{request_id}/{verdict}")
async def decide_one(
    console: ConsoleDep, group_id: str, request_id: str, verdict: str, csrf: FormField = ""
) -> Response:
    check_form(console.visitor, csrf)
    if verdict not in ("approve", "reject", "ban"):
        raise InvalidParameter(f"Unknown decision '{verdict}'")
    return await _decide(
        console, group_id, [request_id], verdict == "approve", ban=verdict == "ban"
    )


async def _decide(
    console: Console, group_id: str, chosen: list[str] | None, approve: bool, *, ban: bool = False
) -> Response:
    group = await load_group(console, group_id, Ability.DECIDE)
    here = group_path(group.id, "requests")
    if chosen == []:
        return back_to(here, "none")
    decisions = await join_requests.decide(
        console.web.core,
        group.business_id,
        group.id,
        chosen,
        approve,
        console.viewer.actor(),
        ban=ban,
    )
    full = sum(isinstance(error, GroupFull) for _, error in decisions.failed)
    if full and decisions.done:
        return back_to(here, "partly", done=len(decisions.done), n=full)
    if full:
        return back_to(here, "full", n=full)
    if not decisions.done and decisions.failed:
        return back_to(here, "stale")
    verdict = "approved" if approve else "banned" if ban else "rejected"
    return back_to(here, verdict, n=len(decisions.done))
