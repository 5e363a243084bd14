"""Participants leaving or being removed; removal bans them from every link."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import events, ids
from grouplink.domain.days import utc_day
from grouplink.domain.errors import InvalidParameter, NotParticipant
from grouplink.domain.people import UserRef
from grouplink.domain.people import clean_user_refs as clean_people
from grouplink.domain.permissions import Ability, Role
from grouplink.services.audit_by_link import audit_by_link
from grouplink.services.core import Actor, Core
from grouplink.services.groups import writable_group
from grouplink.services.joins import ban_people
from grouplink.store import figures, queries
from grouplink.store.queries import Row
from grouplink.store.tables import bans, groups, participants

MAX_PER_CALL = 8


def clean_user_refs(raw: object) -> list[UserRef]:
    return clean_people(raw, "participants", MAX_PER_CALL)


async def _resolve(conn: AsyncConnection, business_id: str, ref: UserRef) -> Row | None:
    if ref.user_id is not None:
        return await queries.find_person_by_user_id(conn, business_id, ref.user_id)
    assert ref.wa_id is not None
    return await queries.find_person(conn, business_id, ref.wa_id)


async def remove_participants(
    core: Core, business_id: str, group_id: str, refs: list[UserRef], actor: Actor
) -> str:
    """Remove all of them or none; each removed person is banned from the group's links."""
    now, request_id = core.clock(), ids.request_id()
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.MODERATE)
        found: dict[int, tuple[UserRef, Row]] = {}
        missing = []
        for ref in refs:
            person = await _resolve(conn, business_id, ref)
            if person is None or await queries.participant(conn, group.pk, person.pk) is None:
                missing.append(ref.input)
            else:
                found.setdefault(person.pk, (ref, person))
        if missing:
            raise NotParticipant("Not participants of this group: " + ", ".join(missing))
        removed = [
            events.person(person.user_id, person.wa_id, input=ref.input)
            for ref, person in found.values()
        ]
        came_by = await _drop(conn, group, list(found), now)
        await ban_people(conn, group.pk, list(found), actor, now)
        await queries.emit(
            conn,
            group,
            events.participants_remove(group.id, now, removed, "business", request_id),
            now,
        )
        gone = [(came_by[pk], person.wa_id) for pk, (_, person) in found.items()]
        await audit_by_link(conn, group, actor, "participants.remove", now, "wa_ids", gone)
        await audit_by_link(conn, group, actor, "participants.ban", now, "wa_ids", gone)
    return request_id


async def leave_group(core: Core, business_id: str, group_id: str, wa_id: str, door: str) -> None:
    """A participant leaves on their own; they may come back through a link."""
    now = core.clock()
    async with core.db.write() as conn:
        actor = Actor.person(wa_id, door)
        group = await writable_group(conn, business_id, group_id, actor, None)
        person = await queries.find_person(conn, business_id, wa_id)
        if person is None or await queries.participant(conn, group.pk, person.pk) is None:
            raise NotParticipant(f"{wa_id} is not a participant of this group")
        came_by = await _drop(conn, group, [person.pk], now)
        removed: list[dict[str, Any]] = [events.person(person.user_id, person.wa_id)]
        await queries.emit(
            conn,
            group,
            events.participants_remove(group.id, now, removed, "participant", None),
            now,
        )
        left = [(came_by[person.pk], person.wa_id)]
        await audit_by_link(conn, group, actor, "participants.leave", now, "wa_ids", left)


async def _drop(
    conn: AsyncConnection, group: Row, person_pks: list[int], now: int
) -> dict[int, int | None]:
    """Take people out of the group; each counts as having left the link they came by.
    Person pk -> that link's pk (None: they came by no link)."""
    gone = await conn.execute(
        sa.delete(participants)
        .where(participants.c.group_pk == group.pk, participants.c.person_pk.in_(person_pks))
        .returning(participants.c.person_pk, participants.c.link_pk)
    )
    came_by: dict[int, int | None] = {r.person_pk: r.link_pk for r in gone}
    await figures.add_each(conn, came_by.values(), utc_day(now), "left")
    await conn.execute(
        sa.update(groups)
        .where(groups.c.pk == group.pk)
        .values(participant_count=groups.c.participant_count - len(person_pks), updated_at=now)
    )
    return came_by


async def set_admin(
    core: Core, business_id: str, group_id: str, wa_id: str, admin: bool, actor: Actor
) -> None:
    """Make a participant an admin, or dismiss them as admin (they stay a member)."""
    now = core.clock()
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.MODERATE)
        person = await queries.find_person(conn, business_id, wa_id)
        if person is None or await queries.participant(conn, group.pk, person.pk) is None:
            raise NotParticipant(f"{wa_id} is not a participant of this group")
        role = Role.ADMIN if admin else Role.MEMBER
        await conn.execute(
            sa.update(participants)
            .where(participants.c.group_pk == group.pk, participants.c.person_pk == person.pk)
            .values(role=role)
        )
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="participants.promote" if admin else "participants.demote",
            now=now,
            group_pk=group.pk,
            wa_ids=[wa_id],
        )


async def unban(core: Core, business_id: str, group_id: str, wa_id: str, actor: Actor) -> None:
    """Let a removed person come back through the group's links."""
    now = core.clock()
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.MODERATE)
        person = await queries.find_person(conn, business_id, wa_id)
        result = None
        if person is not None:
            result = await conn.execute(
                sa.delete(bans).where(bans.c.group_pk == group.pk, bans.c.person_pk == person.pk)
            )
        if result is None or result.rowcount == 0:
            raise InvalidParameter(f"{wa_id} is not banned from this group")
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="participants.unban",
            now=now,
            group_pk=group.pk,
            wa_ids=[wa_id],
        )
