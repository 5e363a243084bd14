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

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.errors import GroupUnknown
from grouplink.domain.groups import JoinApprovalMode, LinkManagers
from grouplink.domain.links import LinkState
from grouplink.domain.permissions import Ability, Role, abilities, require
from grouplink.domain.questions import Answer, stored_answers, stored_questions
from grouplink.services.core import Actor, Core
from grouplink.services.joins import RequestState
from grouplink.store import links, queries
from grouplink.store.paging import Page, page_rows
from grouplink.store.queries import Row
from grouplink.store.tables import (
    bans,
    groups,
    invite_links,
    join_requests,
    participants,
    people,
    phone_numbers,
)


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
    columns = [
        groups.c.pk,
        groups.c.id,
        groups.c.subject,
        groups.c.participant_count,
        groups.c.picture_sha256,
        groups.c.link_managers,
        groups.c.suspended,
        _pending_count(groups.c.pk).scalar_subquery().label("pending"),
    ]
    if viewer.business_id is not None:
        scope = f"console:{viewer.business_id}"
        base = sa.select(*columns, sa.literal(Role.OWNER.value).label("role")).where(
            groups.c.business_id == viewer.business_id, groups.c.deleted_at.is_(None)
        )
    else:
        scope = f"console:{viewer.wa_id}"
        base = (
            sa.select(*columns, participants.c.role)
            .join(participants, participants.c.group_pk == groups.c.pk)
            .join(people, people.c.pk == participants.c.person_pk)
            .where(people.c.wa_id == viewer.wa_id, groups.c.deleted_at.is_(None))
        )
    async with core.db.read() as conn:
        rows = await page_rows(conn, core.secret, scope, base, groups.c.pk, limit, after, before)
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
            pending = int(await conn.scalar(_pending_count(group.pk)) or 0)
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
        query = (
            sa.select(
                people.c.wa_id,
                people.c.user_id,
                participants.c.role,
                participants.c.joined_at,
                *_LINK_COLUMNS,
            )
            .join(participants, participants.c.person_pk == people.c.pk)
            .outerjoin(invite_links, invite_links.c.pk == participants.c.link_pk)
            .where(participants.c.group_pk == group.pk)
            .order_by(
                (participants.c.role == Role.ADMIN.value).desc(),
                participants.c.joined_at,
                people.c.pk,
            )
        )
        return [
            Member(r.wa_id, r.user_id, Role(r.role), r.joined_at, _came_through(group, r._mapping))
            for r in await conn.execute(query)
        ]


async def pending_requests(core: Core, group: GroupView) -> list[PendingRequest]:
    """Oldest first, as an admin works through them."""
    group.require(Ability.DECIDE)
    async with core.db.read() as conn:
        query = (
            sa.select(
                join_requests.c.id,
                join_requests.c.created_at,
                join_requests.c.answers,
                people.c.wa_id,
                *_LINK_COLUMNS,
            )
            .join(people, people.c.pk == join_requests.c.person_pk)
            .outerjoin(invite_links, invite_links.c.pk == join_requests.c.link_pk)
            .where(
                join_requests.c.group_pk == group.pk,
                join_requests.c.state == RequestState.PENDING,
            )
            .order_by(join_requests.c.pk)
        )
        return [
            PendingRequest(
                r.id,
                r.wa_id,
                r.created_at,
                _came_through(group, r._mapping),
                tuple(stored_answers(r.answers)),
            )
            for r in await conn.execute(query)
        ]


async def banned(core: Core, group: GroupView) -> list[BannedPerson]:
    group.require(Ability.MODERATE)
    async with core.db.read() as conn:
        query = (
            sa.select(people.c.wa_id, bans.c.created_at)
            .join(people, people.c.pk == bans.c.person_pk)
            .where(bans.c.group_pk == group.pk)
            .order_by(bans.c.created_at.desc(), people.c.pk)
        )
        return [BannedPerson(r.wa_id, r.created_at) for r in await conn.execute(query)]


async def phone_numbers_of(core: Core, business_id: str) -> list[dict[str, Any]]:
    """The numbers a business can make groups on, oldest first."""
    async with core.db.read() as conn:
        query = (
            sa.select(phone_numbers.c.id, phone_numbers.c.display_phone_number)
            .where(phone_numbers.c.business_id == business_id)
            .order_by(phone_numbers.c.created_at, phone_numbers.c.id)
        )
        return [dict(r._mapping) for r in await conn.execute(query)]


# The link each participant or request came through, joined into the listing's own query.
_LINK_COLUMNS = (
    invite_links.c.id.label("link_id"),
    invite_links.c.name.label("link_name"),
    invite_links.c.is_primary.label("link_is_primary"),
    invite_links.c.state.label("link_state"),
)


def _came_through(group: GroupView, row: sa.RowMapping) -> CameThrough | None:
    """Only those who manage the links see which one a person used (names can be telling)."""
    if row["link_id"] is None or not group.may(Ability.MANAGE_LINK):
        return None
    return CameThrough(
        link_id=row["link_id"],
        name=row["link_name"],
        is_primary=bool(row["link_is_primary"]),
        working=row["link_state"] == LinkState.ACTIVE,
    )


def _pending_count(group_pk: sa.ColumnElement[int] | int) -> sa.Select[int]:
    """How many join requests of the group wait for a decision."""
    return sa.select(sa.func.count()).where(
        join_requests.c.group_pk == group_pk, join_requests.c.state == RequestState.PENDING
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
