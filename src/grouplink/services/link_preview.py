"""What the link page shows: does the link work, the group's public face, where the
visitor stands. Read-only; joining and withdrawing go through :mod:`joins`.

A link that does not work yields no group at all, so its page cannot reveal
anything about the group; an unknown code and a deleted link read the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import ids
from grouplink.domain.errors import LinkDead
from grouplink.domain.groups import JoinApprovalMode, LinkManagers
from grouplink.domain.links import LinkEnd, Refusal, approval_for, check_usable, paused_until
from grouplink.domain.permissions import Ability, abilities
from grouplink.domain.questions import stored_questions
from grouplink.services.core import Core
from grouplink.services.joins import group_link_view
from grouplink.store import link_page, links, queries
from grouplink.store.changes import group_slot
from grouplink.store.queries import Row


class LinkStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"  # the group is shown: the link works again at ``paused_until``
    RESET = "reset"  # an admin (or the rotation) made a new link; this one stopped
    REVOKED = "revoked"  # an admin revoked this link by itself
    EXPIRED = "expired"
    USED_UP = "used_up"  # as many people came through it as its limit allows
    GONE = "gone"  # deleted, group gone or suspended, or never existed: all look alike


_STATUS_OF_REFUSAL = {
    Refusal.EXPIRED: LinkStatus.EXPIRED,
    Refusal.USED_UP: LinkStatus.USED_UP,
}
_STATUS_OF_END = {
    LinkEnd.RESET: LinkStatus.RESET,
    LinkEnd.ROTATED: LinkStatus.RESET,
    LinkEnd.REVOKED: LinkStatus.REVOKED,
}


class Standing(StrEnum):
    """Where the signed-in visitor stands with the group."""

    NONE = "none"
    MEMBER = "member"
    PENDING = "pending"
    BANNED = "banned"
    NOT_ALLOWED = "not_allowed"  # the link is for other people


@dataclass(frozen=True, slots=True)
class GroupCard:
    key: str  # stable and opaque: picks the avatar's colour
    subject: str
    description: str
    participant_count: int
    picture_sha256: str | None
    approval: JoinApprovalMode
    full: bool  # nobody more can join right now (approval-required groups take requests)
    questions: tuple[str, ...] = ()  # asked before a request is sent


@dataclass(frozen=True, slots=True)
class LinkPreview:
    status: LinkStatus
    group: GroupCard | None = None
    standing: Standing = Standing.NONE
    paused_until: int | None = None  # unix ms, when the status is PAUSED
    link_pk: int | None = None  # the link whose page shows the group: its opens count
    restricted: bool = False  # the link is only for the people an admin named
    group_id: str | None = None  # for participants only: where the console shows the group
    can_manage_link: bool = False  # the participant may manage the link (their role, the setting)


@dataclass(frozen=True, slots=True)
class LinkPicture:
    group: GroupCard
    # (mime type, bytes) of the thumbnail; None: the group has no picture
    image: tuple[str, bytes] | None


async def preview(core: Core, code: str, wa_id: str | None = None) -> LinkPreview:
    status, group, card = await _working_link(core, code)
    if group is None or card is None:
        return LinkPreview(status, card)
    view = group_link_view(group, group, "link_")
    pause = paused_until(view, core.clock()) if status is LinkStatus.PAUSED else None
    seen = {"paused_until": pause, "link_pk": group.link_pk, "restricted": view.restricted}
    if wa_id is None:
        return LinkPreview(status, card, **seen)
    async with core.db.read() as conn:
        standing = await _standing(conn, group, wa_id)
        if standing is Standing.NONE and view.restricted:
            person = await queries.find_person(conn, group.business_id, wa_id)
            if person is None or not await links.is_allowed(conn, group.link_pk, person.pk):
                standing = Standing.NOT_ALLOWED
        if standing is not Standing.MEMBER:
            return LinkPreview(status, card, standing, **seen)
        role = await queries.role_of(conn, group, wa_id)
    can = abilities(role, LinkManagers(group.link_managers))
    manages = Ability.MANAGE_LINK in can
    return LinkPreview(status, card, standing, group_id=group.id, can_manage_link=manages, **seen)


async def picture(core: Core, code: str) -> LinkPicture | None:
    """The group's thumbnail by a working link's code; None when the link does not work."""
    _status, group, card = await _working_link(core, code, with_picture=True)
    if group is None or card is None:
        return None  # a paused link's page shows the group, and so does its preview
    image = (group.picture_type, group.picture_data) if group.picture_data else None
    return LinkPicture(card, image)


async def _link_with_group(core: Core, code: str, with_picture: bool) -> Row | None:
    """The link's row with its group's (and picture's), from the recent reads if there."""

    async def read() -> Row | None:
        async with core.db.read() as conn:
            return await link_page.link_with_group(conn, code, with_picture)

    row: Row | None = await core.recent.through(
        ("link", code, with_picture),
        read,
        lambda row: group_slot(row.pk),
        lambda row: len(row.picture_data or b"") if with_picture else 0,
        keep_misses=True,  # codes are drawn at random: an unknown one never comes to be
    )
    return row


async def _working_link(
    core: Core, code: str, *, with_picture: bool = False
) -> tuple[LinkStatus, Row | None, GroupCard | None]:
    """Whether the link works, by its rules at this moment, and its group if it does."""
    if not ids.is_invite_code(code):
        return LinkStatus.GONE, None, None
    group = await _link_with_group(core, code, with_picture)
    if group is None:
        return LinkStatus.GONE, None, None
    view = group_link_view(group, group, "link_")
    if group.deleted_at is not None or group.suspended:
        return LinkStatus.GONE, None, None
    status = LinkStatus.OPEN
    try:
        check_usable(view, core.clock())
    except LinkDead as dead:
        if dead.reason != Refusal.PAUSED:
            end = _STATUS_OF_END.get(LinkEnd(dead.end)) if dead.end else None
            return end or _STATUS_OF_REFUSAL.get(Refusal(dead.reason), LinkStatus.GONE), None, None
        status = LinkStatus.PAUSED
    approval = approval_for(view, JoinApprovalMode(group.join_approval_mode))
    full = (
        approval is JoinApprovalMode.AUTO_APPROVE
        and group.participant_count >= core.limits.max_participants
    )
    card = GroupCard(
        key=group.id,
        subject=group.subject,
        description=group.description,
        participant_count=group.participant_count,
        picture_sha256=group.picture_sha256,
        approval=approval,
        full=full,
        questions=tuple(stored_questions(group.join_questions)),
    )
    return status, group, card


async def _standing(conn: AsyncConnection, group: Row, wa_id: str) -> Standing:
    person = await queries.find_person(conn, group.business_id, wa_id)
    if person is None:
        return Standing.NONE
    place = await link_page.place_in_group(conn, group.pk, person.pk)
    if place.banned:
        return Standing.BANNED
    if place.member:
        return Standing.MEMBER
    return Standing.NONE if place.pending is None else Standing.PENDING
