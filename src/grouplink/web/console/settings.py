"""Group settings: subject, description, picture, "approve new participants", "who can
manage the invite link", the pause and rotation of all the group's links, and the join
questions. Only what
changed is saved (and announced); a refused save shows every field as it was sent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from grouplink.domain.errors import DomainError, GroupFull, Unavailable
from grouplink.domain.groups import (
    DESCRIPTION_MAX,
    SUBJECT_MAX,
    JoinApprovalMode,
    LinkManagers,
    clean_description,
    clean_link_managers,
    clean_subject,
)
from grouplink.domain.link_settings import KEEP, clean_pause, clean_rotation_days
from grouplink.domain.permissions import Ability
from grouplink.domain.picture import Picture
from grouplink.domain.questions import MAX_QUESTIONS, QUESTION_MAX, clean_questions
from grouplink.services import group_settings, join_requests, picture_upload
from grouplink.services.overview import GroupView
from grouplink.web import format
from grouplink.web.console.common import (
    Console,
    ConsoleDep,
    Notice,
    back_to,
    group_frame,
    group_path,
    load_group,
    notice_text,
)
from grouplink.web.console.form_words import at_field, errors_of
from grouplink.web.console.when import KEEP_CHOICE, PAUSE, chosen_seconds
from grouplink.web.context import FormField, check_form

router = APIRouter()

NOTICES = {
    "saved": "Settings saved.",
    "unchanged": "Nothing to save: nothing was changed.",
    "saved_approved": "Settings saved. Approved the {n} waiting request{s}: they are in the group.",
    "saved_full": (
        "Settings saved. Approved {done} of the waiting requests; the group is full, so {n} "
        "request{s} could not be approved and stay on the Requests screen."
    ),
}
WARNINGS = frozenset({"unchanged", "saved_full"})


@router.get("/groups/{group_id}/settings")
async def settings_form(
    console: ConsoleDep, group_id: str, notice: str | None = None, n: str = "", done: str = ""
) -> Response:
    group = await load_group(console, group_id, Ability.EDIT)
    said = notice_text(NOTICES, notice, {"n": n, "done": done}, WARNINGS)
    return _page(console, group, console.web.core.clock(), notice=said)


@router.post("/groups/{group_id}/settings")
async def save_settings(
    console: ConsoleDep,
    group_id: str,
    csrf: FormField = "",
    subject: FormField = "",
    description: FormField = "",
    approval: FormField = "",  # the checkbox: "on" when ticked, absent when not
    waiting: FormField = "",  # with approval turned off: "approve" the waiting requests or not
    link_managers: FormField = "",
    links_pause: FormField = KEEP_CHOICE,
    links_pause_at: FormField = "",
    rotation_days: FormField = "",
    question_1: FormField = "",
    question_2: FormField = "",
    question_3: FormField = "",
    picture: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.EDIT)
    now = console.web.core.clock()
    sent = {
        "subject": subject,
        "description": description,
        "approval": approval,
        "waiting": waiting,
        "link_managers": link_managers or group.link_managers.value,
        "links_pause": links_pause,
        "links_pause_at": links_pause_at,
        "rotation_days": rotation_days,
    }
    typed = [question_1, question_2, question_3]
    try:
        changes = await _changes(group, subject, description, approval, link_managers, picture)
        changes.update(_link_changes(group, links_pause, links_pause_at, rotation_days, now))
        questions = _questions(typed)
        if tuple(questions) != group.join_questions:
            changes["join_questions"] = questions
        if not changes:
            return back_to(group_path(group.id, "settings"), "unchanged")
        await group_settings.update_group(
            console.web.core, group.business_id, group.id, console.viewer.actor(), **changes
        )
    except Unavailable:
        raise  # the 503 page, not the form again with a sentence of it
    except DomainError as error:
        return _page(
            console, group, now, sent=sent, questions=typed, errors=errors_of(error), status=400
        )
    opened = changes.get("join_approval_mode") is JoinApprovalMode.AUTO_APPROVE
    if opened and waiting == "approve" and group.pending_count:
        return await _approve_waiting(console, group)
    return back_to(group_path(group.id, "settings"), "saved")


async def _approve_waiting(console: Console, group: GroupView) -> Response:
    """Approval was just turned off: let in the requests that were waiting, up to the
    group's capacity (the rest stay pending, and the notice says how many)."""
    decisions = await join_requests.decide(
        console.web.core, group.business_id, group.id, None, True, console.viewer.actor()
    )
    here = group_path(group.id, "settings")
    full = sum(isinstance(error, GroupFull) for _, error in decisions.failed)
    if full:
        return back_to(here, "saved_full", done=len(decisions.done), n=full)
    return back_to(here, "saved_approved", n=len(decisions.done))


async def _changes(
    group: GroupView,
    subject: str,
    description: str,
    approval: str,
    link_managers: str,
    picture: UploadFile | None,
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    with at_field("subject", "subject", "Group name"):
        new_subject = clean_subject(subject)
    if new_subject != group.subject:
        changes["subject"] = new_subject
    with at_field("description", "description", "Description"):
        new_description = clean_description(description.replace("\r\n", "\n"))
    if new_description != group.description:
        changes["description"] = new_description
    mode = JoinApprovalMode.APPROVAL_REQUIRED if approval else JoinApprovalMode.AUTO_APPROVE
    if mode is not group.approval:
        changes["join_approval_mode"] = mode
    with at_field("link_managers", "link_managers", "Who can manage the invite link"):
        managers = clean_link_managers(link_managers or group.link_managers)
    if managers is not group.link_managers:
        changes["link_managers"] = managers
    with at_field("picture"):
        new_picture = await _picture(picture)
    if new_picture is not None and new_picture.sha256 != group.picture_sha256:
        changes["picture"] = new_picture
    return changes


def _link_changes(
    group: GroupView, pause: str, pause_at: str, rotation_days: str, now: int
) -> dict[str, Any]:
    """The pause of all the group's links and the main link's rotation, where changed."""
    changes: dict[str, Any] = {}
    with at_field("links_pause", "invite_links_paused_until", "The end of the pause"):
        until = chosen_seconds(pause, pause_at, now)
        paused = None if until is KEEP else clean_pause(until, "invite_links_paused_until", now)
    if until is not KEEP and paused != group.links_paused_at(now):
        changes["links_paused_until"] = paused
    typed = rotation_days.strip()
    if typed and typed != str(group.link_rotation_days):
        with at_field("rotation_days", "invite_link_rotation_days", "The number of days"):
            changes["link_rotation_days"] = clean_rotation_days(typed)
    return changes


def _questions(typed: list[str]) -> list[str]:
    """Empty fields ask nothing: the questions are the ones typed, in their order."""
    for number, question in enumerate(typed, 1):
        if question.strip():
            with at_field(f"question_{number}", "A join question", f"Question {number}"):
                clean_questions([question])
    return clean_questions([q for q in typed if q.strip()])


async def _picture(upload: UploadFile | None) -> Picture | None:
    if upload is None or not upload.filename:
        return None  # the file field was left empty
    return await picture_upload.read_picture(await upload.read())


def _page(
    console: Console,
    group: GroupView,
    now_ms: int,
    *,
    sent: dict[str, str] | None = None,
    questions: list[str] | None = None,
    errors: dict[str, str] | None = None,
    notice: Notice | None = None,
    status: int = 200,
) -> Response:
    paused = group.links_paused_at(now_ms)
    shown = {
        "subject": group.subject,
        "description": group.description,
        "approval": "on" if group.approval is JoinApprovalMode.APPROVAL_REQUIRED else "",
        "waiting": "approve",
        "link_managers": group.link_managers.value,
        "links_pause": KEEP_CHOICE,
        "links_pause_at": format.datetime_field(paused),
        "rotation_days": str(group.link_rotation_days),
        **(sent or {}),
    }
    asked = list(group.join_questions if questions is None else questions)
    asked += [""] * (MAX_QUESTIONS - len(asked))  # a field for each question it may ask
    now_paused = f"paused until {format.moment(paused)}" if paused else "not paused"
    return console.render(
        "console/settings.html",
        status,
        **group_frame(console, group, "settings"),
        form=shown,
        all_manage=shown["link_managers"] == LinkManagers.ALL,
        pause_options=PAUSE.options(now_paused),
        questions=asked,
        question_max=QUESTION_MAX,
        subject_max=SUBJECT_MAX,
        description_max=DESCRIPTION_MAX,
        waiting=_waiting_choice(group),
        errors=errors or {},
        notice=notice,
    )


def _waiting_choice(group: GroupView) -> dict[str, Any] | None:
    """What the form asks about the waiting requests, for turning approval off; None when
    approval is off already or nobody waits."""
    n = group.pending_count
    if group.approval is not JoinApprovalMode.APPROVAL_REQUIRED or not n:
        return None
    room = max(0, group.max_participants - group.participant_count)
    many = "the waiting request" if n == 1 else f"the {n} waiting requests"
    note = "" if room >= n else f"There is room for {room} more, so {n - room} would keep waiting."
    return {"n": n, "approve": f"Approve {many} too", "note": note}
