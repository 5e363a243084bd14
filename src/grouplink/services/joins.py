"""People opening links: joining, asking to join, withdrawing; admins deciding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
from grouplink.domain.join_requests import RequestState
from grouplink.domain.links import LinkView, Refusal, approval_for, check_usable
from grouplink.domain.people import bsuid
from grouplink.domain.questions import clean_answers, store_answers, stored_questions
from grouplink.services.audit_by_link import audit_by_link
from grouplink.services.core import Actor, Core
from grouplink.store import arrivals, figures, journal, links, locks, queries
from grouplink.store.arrivals import RequestRef, Standing
from grouplink.store.driver import Record, Tx

__all__ = ["Arrival", "JoinOutcome", "RequestState", "admit", "cancel_request", "open_link"]

APPROVAL_REQUIRED = JoinApprovalMode.APPROVAL_REQUIRED


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


def group_link_view(group: Any, link: Any, prefix: str = "") -> LinkView:
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
    actor = Actor.person(wa_id, door)
    return await core.db.run(lambda tx: _open(tx, core, code, actor, business_id, answers))


def _open(
    tx: Tx, core: Core, code: str, actor: Actor, business_id: str | None, answers: object
) -> JoinOutcome:
    group = _group_of_link(tx, code, business_id)
    # The time is read once the lock is held: a join that waited for it is judged
    # at the moment it goes through, so none gets in after its link expired.
    now = core.clock()
    if group.deleted_at is not None or group.suspended:
        raise LinkDead(Refusal.GROUP_UNAVAILABLE)
    assert actor.wa_id is not None
    here = arrivals.standing(tx, code, group.business_id, actor.wa_id)
    view = group_link_view(group, here.link)
    check_usable(view, now)
    if view.restricted and not here.allowed:
        raise LinkDead(Refusal.NOT_ALLOWED)
    if here.banned:
        raise Banned("An admin removed this person from the group; they cannot join by link")
    if here.member:
        raise DuplicateParticipant("This person is already a participant of the group")
    person = _person(tx, core, group.business_id, actor.wa_id, here, now)
    link, stale = here.link, here.pending
    if approval_for(view, JoinApprovalMode(group.join_approval_mode)) is APPROVAL_REQUIRED:
        return _ask(tx, group, link, person, actor, now, stale, answers)
    admit(tx, core, group, [person.through(link)], actor, now, via_request=False)
    if stale is not None:  # asked while the group required approval, then joined
        arrivals.close_request(tx, stale.pk, RequestState.CANCELLED, actor.label, now)
        # Joining was the person's own doing: their request ends as if withdrawn.
        revoked = events.join_request_revoked(
            group.id, now, stale.id, person.user_id, person.wa_id, "cancelled_by_user"
        )
        journal.emit(tx, group.business_id, group.phone_number_id, revoked, now)
    return JoinOutcome("joined", group.id)


def _group_of_link(tx: Tx, code: str, business_id: str | None) -> Record:
    """The link's group, locked (the link itself is read after the lock: a reset, revoke
    or pause that committed while we waited is seen, so nobody gets in through a link
    that just stopped)."""
    group = locks.lock_group_of_code(tx, code)
    if group is None or (business_id is not None and group.business_id != business_id):
        raise LinkDead(Refusal.UNKNOWN)
    return group


@dataclass(frozen=True, slots=True)
class Person:
    pk: int
    user_id: str
    wa_id: str

    def through(self, link: Any) -> Arrival:
        return Arrival(self.pk, self.user_id, self.wa_id, link.pk, link.id)


def _person(tx: Tx, core: Core, business_id: str, wa_id: str, here: Standing, now: int) -> Person:
    """The person, made on first sight (their id derived from the business's people-id
    secret: see :func:`grouplink.store.queries.people_secret_of`)."""
    if here.person_pk is not None and here.person_user_id is not None:
        return Person(here.person_pk, here.person_user_id, wa_id)
    user_id = bsuid(queries.people_secret_of(business_id, core.secret.decode()), wa_id)
    return Person(arrivals.add_person(tx, business_id, wa_id, user_id, now), user_id, wa_id)


def _ask(
    tx: Tx,
    group: Record,
    link: Record,
    person: Person,
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
    arrivals.add_request(tx, request_id, group.pk, person.pk, link.pk, now, store_answers(answers))
    figures.add_in(tx, link.pk, utc_day(now), join_requests=1)
    created = events.join_request_created(
        group.id,
        now,
        request_id,
        person.user_id,
        person.wa_id,
        link.id,
        [{"question": a.question, "answer": a.answer} for a in answers] if questions else None,
    )
    journal.emit(tx, group.business_id, group.phone_number_id, created, now)
    journal.audit(
        tx,
        business_id=group.business_id,
        actor=actor,
        action="join_request.create",
        now=now,
        group_pk=group.pk,
        link_pk=link.pk,
        join_request_id=request_id,
    )
    return JoinOutcome("requested", group.id, request_id)


def admit(
    tx: Tx,
    core: Core,
    group: Record,
    arrivals_: Sequence[Arrival],
    actor: Actor,
    now: int,
    *,
    via_request: bool,
    request_id: str | None = None,
) -> None:
    """Add people to a group whose row the caller holds locked; all or none fit.
    ``request_id``: the API request that approved them, named in the webhook."""
    # The caller's locked row is current: nobody else writes the group until commit.
    if group.participant_count + len(arrivals_) > core.limits.max_participants:
        raise GroupFull(f"The group is full ({core.limits.max_participants} participants)")
    for a in arrivals_:
        arrivals.add_participant(tx, group.pk, a.pk, a.link_pk, now)
    arrivals.count_participants(tx, group.pk, len(arrivals_))
    # People approved count as approved too, in the same statements per link.
    names = ("joined", "approved") if via_request else ("joined",)
    figures.add_each_in(tx, (a.link_pk for a in arrivals_), utc_day(now), *names)
    added = [events.arrival(a.user_id, a.wa_id, a.link_id, via_request) for a in arrivals_]
    joined = events.participants_add(group.id, now, added, request_id)
    journal.emit(tx, group.business_id, group.phone_number_id, joined, now)
    arrived = ((a.link_pk, a.wa_id) for a in arrivals_)
    audit_by_link(tx, group, actor, "participants.add", now, "wa_ids", arrived)


async def cancel_request(
    core: Core, code: str, wa_id: str, door: str, *, business_id: str | None = None
) -> str:
    """The person withdraws their pending request (the link need not still work)."""
    actor = Actor.person(wa_id, door)
    return await core.db.run(lambda tx: _cancel(tx, core, code, actor, business_id))


def _cancel(tx: Tx, core: Core, code: str, actor: Actor, business_id: str | None) -> str:
    now = core.clock()
    group = _group_of_link(tx, code, business_id)
    assert actor.wa_id is not None
    here = arrivals.standing(tx, code, group.business_id, actor.wa_id)
    if here.pending is None or here.person_user_id is None:
        raise JoinRequestUnknown("This person has no pending request to join this group")
    pending = here.pending
    arrivals.close_request(tx, pending.pk, RequestState.CANCELLED, actor.label, now)
    revoked = events.join_request_revoked(
        group.id, now, pending.id, here.person_user_id, actor.wa_id, "cancelled_by_user"
    )
    journal.emit(tx, group.business_id, group.phone_number_id, revoked, now)
    journal.audit(
        tx,
        business_id=group.business_id,
        actor=actor,
        action="join_request.cancel",
        now=now,
        group_pk=group.pk,
        join_request_id=pending.id,
    )
    return pending.id
