"""What the console shows one viewer: their groups, and one group as their role allows.

A viewer is a business (signed in with an API token) or a person (signed in by
phone). A business sees its own groups; a person sees the groups they take
part in, of any business. A group the viewer has no part in does not exist for
them (``GroupUnknown``), exactly like an unknown id. Read-only: every change
goes through the services that the Graph API uses, which check the role again
under the group's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.errors import GroupUnknown
from grouplink.domain.groups import JoinApprovalMode, LinkManagers
from grouplink.domain.links import LinkState
from grouplink.domain.permissions import Ability, Role, abilities, require
from grouplink.domain.questions import Answer, stored_answers, stored_questions
from grouplink.services.core import Actor, Core
from grouplink.store import links, queries
from grouplink.store import overview as stored
from grouplink.store.paging import Page
from grouplink.store.queries import Row


@dataclass(frozen=True, slots=True)
class Viewer:
    """Exactly one of the two is set."""

    business_id: str | None = None
    wa_id: str | None = None
    token_id: str | None = None  # a business's: the API token it signed in with

    def actor(self, door: str = "console") -> Actor:
        if self.wa_id is not None:
            return Actor.person(self.wa_id, door)
        assert self.business_id is not None
        return Actor.business(self.business_id, door, token_id=self.token_id)


@dataclass(frozen=True, slots=True)
class CameThrough:
    """The invite link someone joined or asked through, as its managers know it."""

    link_id: str
    name: str
    is_primary: bool  # the group's working primary link now
    working: bool  # not revoked (an expired or paused link still "works" here)


@dataclass(frozen=True, slots=True)
class Member:
    wa_id: str
    user_id: str
    role: Role
    joined_at: int
    came_through: CameThrough | None = None  # None: no link, or the viewer may not see links


@dataclass(frozen=True, slots=True)
class PendingRequest:
    id: str
    wa_id: str
    created_at: int
    came_through: CameThrough | None = None
    answers: tuple[Answer, ...] = ()  # to the group's join questions


@dataclass(frozen=True, slots=True)
class BannedPerson:
    wa_id: str
    banned_at: int


@dataclass(frozen=True, slots=True)
class GroupView:
    pk: int
    id: str
    business_id: str
    subject: str
    description: str
    approval: JoinApprovalMode
    link_managers: LinkManagers
    suspended: bool
    participant_count: int
    max_participants: int
    picture_sha256: str | None
    created_at: int
    role: Role
    pending_count: int  # 0 unless the viewer may decide
    link_code: str | None  # the working primary link, when the viewer may manage it
    link_id: str | None  # and its id
    links_paused_until: int | None  # every link of the group admits nobody until then
    link_rotation_days: int  # 0: the primary link is never rotated
    join_questions: tuple[str, ...] = ()  # asked before a request is sent

    def may(self, ability: Ability) -> bool:
        return ability in abilities(self.role, self.link_managers)

    def links_paused_at(self, now_ms: int) -> int | None:
        """Until when every link of the group is paused, seen at ``now_ms``; None if not."""
        until = self.links_paused_until
        return until if until is not None and until > now_ms else None

    def require(self, ability: Ability) -> None:
        require(self.role, self.link_managers, ability)


async def my_groups(
    core: Core, viewer: Viewer, limit: int, after: str | None, before: str | None
) -> Page[dict[str, Any]]:
    """The viewer's live groups, newest first; items carry what the list shows."""
    who = viewer.business_id if viewer.business_id is not None else viewer.wa_id
    scope = f"console:{who}"
    async with core.db.read() as conn:
        rows = await stored.my_groups(
            conn,
            core.secret,
            scope,
            business_id=viewer.business_id,
            wa_id=viewer.wa_id,
            limit=limit,
            after=after,
            before=before,
        )
    items = []
    for row in rows.rows:
        can = abilities(Role(row.role), LinkManagers(row.link_managers))
        items.append(
            {
                "id": row.id,
                "subject": row.subject,
                "participant_count": row.participant_count,
                "picture_sha256": row.picture_sha256,
                "suspended": bool(row.suspended),
                "role": Role(row.role),
                "pending": row.pending if Ability.DECIDE in can else 0,
            }
        )
    return rows.page(core.secret, scope, items)


async def group_view(core: Core, viewer: Viewer, group_id: str) -> GroupView:
    async with core.db.read() as conn:
        group, role = await _visible_group(conn, viewer, group_id)
        can = abilities(role, LinkManagers(group.link_managers))
        pending = 0
        if Ability.DECIDE in can:
            pending = await stored.pending_count(conn, group.pk)
        link = await links.primary_link(conn, group.pk) if Ability.MANAGE_LINK in can else None
    return GroupView(
        pk=group.pk,
        id=group.id,
        business_id=group.business_id,
        subject=group.subject,
        description=group.description,
        approval=JoinApprovalMode(group.join_approval_mode),
        link_managers=LinkManagers(group.link_managers),
        suspended=bool(group.suspended),
        participant_count=group.participant_count,
        max_participants=core.limits.max_participants,
        picture_sha256=group.picture_sha256,
        created_at=group.created_at,
        role=role,
        pending_count=pending,
        link_code=None if link is None else link.code,
        link_id=None if link is None else link.id,
        links_paused_until=group.links_paused_until,
        link_rotation_days=group.link_rotation_days,
        join_questions=tuple(stored_questions(group.join_questions)),
    )


# The lists below take the GroupView that ``group_view`` made for this viewer:
# it is the proof that they may see the group, and holds what their role allows.


async def members(core: Core, group: GroupView) -> list[Member]:
    """Admins first, then by when they joined."""
    async with core.db.read() as conn:
        rows = await stored.members(conn, group.pk)
    return [
        Member(r.wa_id, r.user_id, Role(r.role), r.joined_at, _came_through(group, r)) for r in rows
    ]


async def pending_requests(core: Core, group: GroupView) -> list[PendingRequest]:
    """Oldest first, as an admin works through them."""
    group.require(Ability.DECIDE)
    async with core.db.read() as conn:
        rows = await stored.pending_requests(conn, group.pk)
    return [
        PendingRequest(
            r.id,
            r.wa_id,
            r.created_at,
            _came_through(group, r),
            tuple(stored_answers(r.answers)),
        )
        for r in rows
    ]


async def banned(core: Core, group: GroupView) -> list[BannedPerson]:
    group.require(Ability.MODERATE)
    async with core.db.read() as conn:
        rows = await stored.banned(conn, group.pk)
    return [BannedPerson(r.wa_id, r.created_at) for r in rows]


async def phone_numbers_of(core: Core, business_id: str) -> list[dict[str, Any]]:
    """The numbers a business can make groups on, oldest first."""
    async with core.db.read() as conn:
        rows = await stored.phone_numbers_of(conn, business_id)
    return [dict(r._mapping) for r in rows]


def _came_through(group: GroupView, row: Row) -> CameThrough | None:
    """Only those who manage the links see which one a person used (names can be telling)."""
    if row.link_id is None or not group.may(Ability.MANAGE_LINK):
        return None
    return CameThrough(
        link_id=row.link_id,
        name=row.link_name,
        is_primary=bool(row.link_is_primary),
        working=row.link_state == LinkState.ACTIVE,
    )


async def _visible_group(conn: AsyncConnection, viewer: Viewer, group_id: str) -> tuple[Row, Role]:
    if viewer.business_id is not None:
        group = await queries.find_group(conn, viewer.business_id, group_id, lock=False)
        if group is None:
            raise GroupUnknown(f"No group with id {group_id}")
        return group, Role.OWNER
    group = await queries.find_live_group(conn, group_id)
    role = None if group is None else await queries.role_of(conn, group, viewer.wa_id)
    if group is None or role is None:
        raise GroupUnknown(f"No group with id {group_id}")
    return group, role
