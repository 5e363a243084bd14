"""People opening links: joining, asking to join, withdrawing; admins deciding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import events, ids
from grouplink.domain.errors import (
    Banned,
    DomainError,
    DuplicateParticipant,
    GroupFull,
    GroupUnknown,
    InvalidParameter,
    JoinRequestUnknown,
    LinkDead,
)
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.links import approval_for, check_usable
from grouplink.domain.permissions import Ability
from grouplink.services.core import Actor, Core
from grouplink.services.groups import Page, page_rows, writable_group
from grouplink.store import queries
from grouplink.store.queries import Row
from grouplink.store.tables import bans, groups, invite_links, join_requests, participants, people

MAX_DECISIONS = 1024


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class PersonLike(Protocol):
    @property
    def pk(self) -> int: ...
    @property
    def user_id(self) -> str: ...
    @property
    def wa_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    status: str  # "joined" or "requested"
    group_id: str
    join_request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Decisions:
    done: list[str]
    failed: list[tuple[str, DomainError]]


async def _group_of_link(
    conn: AsyncConnection, code: str, business_id: str | None
) -> tuple[Row, Row | None]:
    """The link's group, locked, and the link as it is once the lock is held.

    The link is read after the group lock: a reset that committed while we
    waited is seen, so nobody gets in through a code that was just revoked.
    """
    group = await queries.lock_group_of_code(conn, code)
    if group is None or (business_id is not None and group.business_id != business_id):
        raise LinkDead("unknown")
    return group, await queries.find_link(conn, code)


async def open_link(
    core: Core, code: str, wa_id: str, door: str, *, business_id: str | None = None
) -> JoinOutcome:
    """A person opens an invite link: they join, or ask to, as the link's rule says."""
    now = core.clock()
    async with core.db.write() as conn:
        group, link = await _group_of_link(conn, code, business_id)
        if group.deleted_at is not None or group.suspended:
            raise LinkDead("group_unavailable")
        assert link is not None
        check_usable(queries.link_view(link), now)
        person = await queries.ensure_person(conn, group.business_id, wa_id, now, core.secret)
        stale = await _check_may_enter(conn, group, person)
        mode = approval_for(queries.link_view(link), JoinApprovalMode(group.join_approval_mode))
        actor = Actor.person(wa_id, door)
        if mode is JoinApprovalMode.APPROVAL_REQUIRED:
            outcome = await _ask(conn, core, group, link, person, actor, now, stale)
        else:
            await _admit(conn, core, group, [person], link.pk, actor, now, via_request=False)
            if stale is not None:  # asked while the group required approval, then joined
                await _close_request(conn, stale.pk, RequestState.CANCELLED, actor.label, now)
                # Joining was the person's own doing: their request ends as if withdrawn.
                revoked = events.join_request_revoked(
                    group.id, now, stale.id, person.user_id, person.wa_id, "cancelled_by_user"
                )
                await queries.emit(conn, group, revoked, now)
            outcome = JoinOutcome("joined", group.id)
        if outcome.status == "joined" or outcome.join_request_id is not None:
            await conn.execute(_COUNT_USE, {"link": link.pk})
    return outcome


_COUNT_USE = (
    sa.update(invite_links)
    .where(invite_links.c.pk == sa.bindparam("link"))
    .values(use_count=invite_links.c.use_count + 1)
)


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
    core: Core,
    group: Row,
    link: Row,
    person: Row,
    actor: Actor,
    now: int,
    pending: RequestRef | None,
) -> JoinOutcome:
    if pending is not None:  # asking twice is not a second request
        return JoinOutcome("requested", group.id, pending.id)
    request_id = ids.join_request_id()
    await conn.execute(
        sa.insert(join_requests).values(
            id=request_id,
            group_pk=group.pk,
            person_pk=person.pk,
            link_pk=link.pk,
            state=RequestState.PENDING,
            created_at=now,
        )
    )
    await queries.emit(
        conn,
        group,
        events.join_request_created(group.id, now, request_id, person.user_id, person.wa_id),
        now,
    )
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


async def _admit(
    conn: AsyncConnection,
    core: Core,
    group: Row,
    persons: Sequence[PersonLike],
    link_pk: int | None,
    actor: Actor,
    now: int,
    *,
    via_request: bool,
) -> None:
    """Add people to a group whose row the caller holds locked; all or none fit."""
    # The caller's locked row is current: nobody else writes the group until commit.
    if group.participant_count + len(persons) > core.limits.max_participants:
        raise GroupFull(f"The group is full ({core.limits.max_participants} participants)")
    await conn.execute(
        sa.insert(participants),
        [
            {
                "group_pk": group.pk,
                "person_pk": p.pk,
                "role": "member",
                "link_pk": link_pk,
                "joined_at": now,
            }
            for p in persons
        ],
    )
    await conn.execute(_COUNT_PARTICIPANTS, {"group": group.pk, "added": len(persons)})
    # After an approval Meta also echoes the person as "input".
    added = [
        events.person(p.user_id, p.wa_id, **({"input": p.wa_id} if via_request else {}))
        for p in persons
    ]
    await queries.emit(conn, group, events.participants_add(group.id, now, added), now)
    await queries.audit(
        conn,
        business_id=group.business_id,
        actor=actor,
        action="participants.add",
        now=now,
        group_pk=group.pk,
        link_pk=link_pk,
        wa_ids=[p.wa_id for p in persons],
    )


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
        await _close_request(conn, pending.pk, RequestState.CANCELLED, f"person:{wa_id}", now)
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


async def _close_request(
    conn: AsyncConnection, request_pk: int, state: RequestState, by: str, now: int
) -> None:
    settled = {"request": request_pk, "state": state, "decided_at": now, "decided_by": by}
    await conn.execute(_CLOSE_REQUEST, settled)


_CLOSE_REQUEST = sa.update(join_requests).where(join_requests.c.pk == sa.bindparam("request"))


async def list_requests(
    core: Core, business_id: str, group_id: str, limit: int, after: str | None, before: str | None
) -> Page:
    scope = f"join_requests:{group_id}"
    async with core.db.read() as conn:
        group = await queries.find_group(conn, business_id, group_id, lock=False)
        if group is None:
            raise GroupUnknown(f"No group with id {group_id}")
        base = (
            sa.select(
                join_requests.c.pk,
                join_requests.c.id,
                join_requests.c.created_at,
                people.c.user_id,
                people.c.wa_id,
            )
            .join(people, people.c.pk == join_requests.c.person_pk)
            .where(
                join_requests.c.group_pk == group.pk,
                join_requests.c.state == RequestState.PENDING,
            )
        )
        rows = await page_rows(
            conn, core.secret, scope, base, join_requests.c.pk, limit, after, before
        )
    items = [
        {
            "join_request_id": r.id,
            "user_id": r.user_id,
            "wa_id": r.wa_id,
            "creation_timestamp": r.created_at // 1000,
        }
        for r in rows.rows
    ]
    return rows.page(core.secret, scope, items)


def clean_request_ids(raw: object) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise InvalidParameter("join_requests must be a non-empty list of join request ids")
    if len(raw) > MAX_DECISIONS:
        raise InvalidParameter(f"At most {MAX_DECISIONS} join requests per call")
    if not all(isinstance(item, str) and item for item in raw):
        raise InvalidParameter("Every join request id must be a non-empty string")
    return list(dict.fromkeys(raw))


async def decide(
    core: Core,
    business_id: str,
    group_id: str,
    request_ids: list[str] | None,
    approve: bool,
    actor: Actor,
) -> Decisions:
    """Approve or reject pending requests; each id settles at most once, ever.

    ``None`` means every request pending when the group's lock is taken, oldest
    first (approving stops at the group's capacity; the rest fail as full).
    """
    now = core.clock()
    done: list[str] = []
    failed: list[tuple[str, DomainError]] = []
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.DECIDE)
        if request_ids is None:
            request_ids = list(
                await conn.scalars(
                    sa.select(join_requests.c.id)
                    .where(
                        join_requests.c.group_pk == group.pk,
                        join_requests.c.state == RequestState.PENDING,
                    )
                    .order_by(join_requests.c.pk)
                )
            )
        asked = {"group": group.pk, "ids": request_ids}
        rows = {r.id: r for r in await conn.execute(_REQUESTS_WITH_PEOPLE, asked)}
        to_admit: list[_Person] = []
        for request_id in request_ids:
            row = rows.get(request_id)
            if row is None or row.state != RequestState.PENDING:
                failed.append(
                    (request_id, JoinRequestUnknown(f"No pending join request {request_id}"))
                )
                continue
            if approve:
                room = core.limits.max_participants - group.participant_count - len(to_admit)
                if room <= 0:
                    failed.append((request_id, GroupFull("The group is full")))
                    continue
                to_admit.append(_Person(row.person_pk, row.user_id, row.wa_id))
            state = RequestState.APPROVED if approve else RequestState.REJECTED
            await _close_request(conn, row.pk, state, actor.label, now)
            done.append(request_id)
        if to_admit:
            await _admit(conn, core, group, to_admit, None, actor, now, via_request=True)
        if done:
            await queries.audit(
                conn,
                business_id=business_id,
                actor=actor,
                action="join_request.approve" if approve else "join_request.reject",
                now=now,
                group_pk=group.pk,
                join_request_ids=done,
            )
    return Decisions(done, failed)


_REQUESTS_WITH_PEOPLE = (
    sa.select(join_requests, people.c.user_id, people.c.wa_id)
    .join(people, people.c.pk == join_requests.c.person_pk)
    .where(join_requests.c.group_pk == sa.bindparam("group"))
    .where(join_requests.c.id.in_(sa.bindparam("ids", expanding=True)))
)


@dataclass(frozen=True, slots=True)
class _Person:
    pk: int
    user_id: str
    wa_id: str
