"""People opening links: joining, asking to join, withdrawing; admins deciding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import events, ids
from grouplink.domain.days import utc_day
from grouplink.domain.errors import (
    Banned,
    DuplicateParticipant,
    GroupFull,
    JoinRequestUnknown,
    LinkDead,
)
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.links import LinkView, Refusal, approval_for, check_usable
from grouplink.domain.questions import clean_answers, store_answers, stored_questions
from grouplink.services.audit_by_link import audit_by_link
from grouplink.services.core import Actor, Core
from grouplink.store import figures, links, queries
from grouplink.store.queries import Row
from grouplink.store.tables import bans, groups, join_requests, participants


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Arrival:
    """A person becoming a participant, and the link they came through (None: no link)."""

    pk: int
    user_id: str
    wa_id: str
    link_pk: int | None
    link_id: str | None


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    status: str  # "joined" or "requested"
    group_id: str
    join_request_id: str | None = None


async def _group_of_link(
    conn: AsyncConnection, code: str, business_id: str | None
) -> tuple[Row, Row | None]:
    """The link's group, locked, and the link as it is once the lock is held.

    The link is read after the group lock: a reset, revoke or pause that committed
    while we waited is seen, so nobody gets in through a link that just stopped.
    """
    group = await queries.lock_group_of_code(conn, code)
    if group is None or (business_id is not None and group.business_id != business_id):
        raise LinkDead(Refusal.UNKNOWN)
    return group, await links.find_by_code(conn, code)


def group_link_view(group: Row, link: Row, prefix: str = "") -> LinkView:
    """The rules' view of a link, under its group's pause of every link."""
    return links.link_view(link, prefix, group_paused_until=group.links_paused_until)


async def open_link(
    core: Core,
    code: str,
    wa_id: str,
    door: str,
    *,
    business_id: str | None = None,
    answers: object = None,
) -> JoinOutcome:
    """A person opens an invite link: they join, or ask to, as the link's rule says;
    asking, they answer the group's join questions (``answers``, in their order).

    Every refusal is raised before anything is written, and inside the transaction,
    so a refused person leaves no participant, request or person row behind.
    """
    async with core.db.write() as conn:
        group, link = await _group_of_link(conn, code, business_id)
        # The time is read once the lock is held: a join that waited for it is judged
        # at the moment it goes through, so none gets in after its link expired.
        now = core.clock()
        if group.deleted_at is not None or group.suspended:
            raise LinkDead(Refusal.GROUP_UNAVAILABLE)
        assert link is not None
        view = group_link_view(group, link)
        check_usable(view, now)
        if view.restricted:
            known = await queries.find_person(conn, group.business_id, wa_id)
            if known is None or not await links.is_allowed(conn, link.pk, known.pk):
                raise LinkDead(Refusal.NOT_ALLOWED)
        person = await queries.ensure_person(conn, group.business_id, wa_id, now, core.secret)
        stale = await _check_may_enter(conn, group, person)
        mode = approval_for(view, JoinApprovalMode(group.join_approval_mode))
        actor = Actor.person(wa_id, door)
        if mode is JoinApprovalMode.APPROVAL_REQUIRED:
            return await _ask(conn, group, link, person, actor, now, stale, answers)
        arrival = Arrival(person.pk, person.user_id, person.wa_id, link.pk, link.id)
        await admit(conn, core, group, [arrival], actor, now, via_request=False)
        if stale is not None:  # asked while the group required approval, then joined
            await close_request(conn, stale.pk, RequestState.CANCELLED, actor.label, now)
            # Joining was the person's own doing: their request ends as if withdrawn.
            revoked = events.join_request_revoked(
                group.id, now, stale.id, person.user_id, person.wa_id, "cancelled_by_user"
            )
            await queries.emit(conn, group, revoked, now)
    return JoinOutcome("joined", group.id)


@dataclass(frozen=True, slots=True)
class RequestRef:
    pk: int
    id: str


@dataclass(frozen=True, slots=True)
class Place:
    """Where a person stands with a group: removed, in, or waiting (or none of these)."""

    banned: bool
    member: bool
    pending: RequestRef | None


async def place_in_group(conn: AsyncConnection, group_pk: int, person_pk: int) -> Place:
    """The three questions the link page and joining ask, in one round trip."""
    found = (await conn.execute(_PLACE, {"group": group_pk, "person": person_pk})).one()
    pending = None if found.pk is None else RequestRef(found.pk, found.id)
    return Place(bool(found.banned), bool(found.member), pending)


def _place_query() -> sa.Select[Any]:
    group, person = (
        sa.bindparam("group", type_=sa.Integer),
        sa.bindparam("person", type_=sa.Integer),
    )
    theirs = (
        join_requests.c.group_pk == group,
        join_requests.c.person_pk == person,
        join_requests.c.state == RequestState.PENDING,
    )
    return sa.select(
        sa.exists().where(bans.c.group_pk == group, bans.c.person_pk == person).label("banned"),
        sa.exists()
        .where(participants.c.group_pk == group, participants.c.person_pk == person)
        .label("member"),
        sa.select(join_requests.c.pk).where(*theirs).scalar_subquery().label("pk"),
        sa.select(join_requests.c.id).where(*theirs).scalar_subquery().label("id"),
    )


_PLACE = _place_query()


async def _check_may_enter(conn: AsyncConnection, group: Row, person: Row) -> RequestRef | None:
    """Refuse the banned and those already in; else their pending request, if any."""
    place = await place_in_group(conn, group.pk, person.pk)
    if place.banned:
        raise Banned("An admin removed this person from the group; they cannot join by link")
    if place.member:
        raise DuplicateParticipant("This person is already a participant of the group")
    return place.pending


async def _pending_request(conn: AsyncConnection, group_pk: int, person_pk: int) -> Row | None:
    query = sa.select(join_requests).where(
        join_requests.c.group_pk == group_pk,
        join_requests.c.person_pk == person_pk,
        join_requests.c.state == RequestState.PENDING,
    )
    return (await conn.execute(query)).first()


async def _ask(
    conn: AsyncConnection,
    group: Row,
    link: Row,
    person: Row,
    actor: Actor,
    now: int,
    pending: RequestRef | None,
    raw_answers: object,
) -> JoinOutcome:
    if pending is not None:  # asking twice is not a second request
        return JoinOutcome("requested", group.id, pending.id)
    questions = stored_questions(group.join_questions)
    answers = clean_answers(questions, raw_answers)
    request_id = ids.join_request_id()
    await conn.execute(
        sa.insert(join_requests).values(
            id=request_id,
            group_pk=group.pk,
            person_pk=person.pk,
            link_pk=link.pk,
            state=RequestState.PENDING,
            created_at=now,
            answers=store_answers(answers),
        )
    )
    await figures.add(conn, link.pk, utc_day(now), join_requests=1)
    created = events.join_request_created(
        group.id,
        now,
        request_id,
        person.user_id,
        person.wa_id,
        link.id,
        [{"question": a.question, "answer": a.answer} for a in answers] if questions else None,
    )
    await queries.emit(conn, group, created, now)
    await queries.audit(
        conn,
        business_id=group.business_id,
        actor=actor,
        action="join_request.create",
        now=now,
        group_pk=group.pk,
        link_pk=link.pk,
        join_request_id=request_id,
    )
    return JoinOutcome("requested", group.id, request_id)


_COUNT_PARTICIPANTS = (
    sa.update(groups)
    .where(groups.c.pk == sa.bindparam("group"))
    .values(participant_count=groups.c.participant_count + sa.bindparam("added"))
)


async def admit(
    conn: AsyncConnection,
    core: Core,
    group: Row,
    arrivals: Sequence[Arrival],
    actor: Actor,
    now: int,
    *,
    via_request: bool,
    request_id: str | None = None,
) -> None:
    """Add people to a group whose row the caller holds locked; all or none fit.
    ``request_id``: the API request that approved them, named in the webhook."""
    # The caller's locked row is current: nobody else writes the group until commit.
    if group.participant_count + len(arrivals) > core.limits.max_participants:
        raise GroupFull(f"The group is full ({core.limits.max_participants} participants)")
    await conn.execute(
        sa.insert(participants),
        [
            {
                "group_pk": group.pk,
                "person_pk": a.pk,
                "role": "member",
                "link_pk": a.link_pk,
                "joined_at": now,
            }
            for a in arrivals
        ],
    )
    await conn.execute(_COUNT_PARTICIPANTS, {"group": group.pk, "added": len(arrivals)})
    # People approved count as approved too, in the same statements per link.
    names = ("joined", "approved") if via_request else ("joined",)
    await figures.add_each(conn, (a.link_pk for a in arrivals), utc_day(now), *names)
    added = [events.arrival(a.user_id, a.wa_id, a.link_id, via_request) for a in arrivals]
    await queries.emit(conn, group, events.participants_add(group.id, now, added, request_id), now)
    arrived = ((a.link_pk, a.wa_id) for a in arrivals)
    await audit_by_link(conn, group, actor, "participants.add", now, "wa_ids", arrived)


async def cancel_request(
    core: Core, code: str, wa_id: str, door: str, *, business_id: str | None = None
) -> str:
    """The person withdraws their pending request (the link need not still work)."""
    now = core.clock()
    async with core.db.write() as conn:
        group, _link = await _group_of_link(conn, code, business_id)
        person = await queries.find_person(conn, group.business_id, wa_id)
        pending = None if person is None else await _pending_request(conn, group.pk, person.pk)
        if person is None or pending is None:
            raise JoinRequestUnknown("This person has no pending request to join this group")
        await close_request(conn, pending.pk, RequestState.CANCELLED, f"person:{wa_id}", now)
        await queries.emit(
            conn,
            group,
            events.join_request_revoked(
                group.id, now, pending.id, person.user_id, person.wa_id, "cancelled_by_user"
            ),
            now,
        )
        await queries.audit(
            conn,
            business_id=group.business_id,
            actor=Actor.person(wa_id, door),
            action="join_request.cancel",
            now=now,
            group_pk=group.pk,
            join_request_id=pending.id,
        )
    return str(pending.id)


async def close_request(
    conn: AsyncConnection, request_pk: int, state: RequestState, by: str, now: int
) -> None:
    settled = {"request": request_pk, "state": state, "decided_at": now, "decided_by": by}
    await conn.execute(_CLOSE_REQUEST, settled)


_CLOSE_REQUEST = sa.update(join_requests).where(join_requests.c.pk == sa.bindparam("request"))


async def ban_people(
    conn: AsyncConnection, group_pk: int, person_pks: list[int], actor: Actor, now: int
) -> None:
    """Keep these people (not participants now) from coming back through any link."""
    rows = [
        {"group_pk": group_pk, "person_pk": pk, "created_at": now, "created_by": actor.label}
        for pk in dict.fromkeys(person_pks)
    ]
    await conn.execute(sa.insert(bans), rows)
