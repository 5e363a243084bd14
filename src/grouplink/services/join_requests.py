"""Admins and join requests: list the pending ones, approve or reject them."""

from __future__ import annotations

from dataclasses import dataclass

from grouplink.domain import ids
from grouplink.domain.days import utc_day
from grouplink.domain.errors import (
    DomainError,
    GroupFull,
    GroupUnknown,
    JoinRequestUnknown,
    LinkDead,
)
from grouplink.domain.links import check_has_room
from grouplink.domain.permissions import Ability
from grouplink.domain.questions import Answer, stored_answers
from grouplink.services.audit_by_link import audit_by_link
from grouplink.services.core import Actor, Core
from grouplink.services.joins import Arrival, RequestState, admit, group_link_view
from grouplink.services.writable import writable_group_in
from grouplink.store import arrivals, decisions, departures, figures, queries
from grouplink.store.driver import Record, Tx
from grouplink.store.paging import Page, page_rows


@dataclass(frozen=True, slots=True)
class PendingItem:
    join_request_id: str
    user_id: str
    wa_id: str
    created_at: int  # unix ms
    invite_link_id: str
    answers: list[Answer]  # to the group's join questions, when it asked any


@dataclass(frozen=True, slots=True)
class Decisions:
    request_id: str  # this decision's, as the answer and the webhooks it causes say
    done: list[str]
    failed: list[tuple[str, DomainError]]


async def list_requests(
    core: Core, business_id: str, group_id: str, limit: int, after: str | None, before: str | None
) -> Page[PendingItem]:
    scope = f"join_requests:{group_id}"
    async with core.db.read() as conn:
        group = await queries.find_group(conn, business_id, group_id, lock=False)
        if group is None:
            raise GroupUnknown(f"No group with id {group_id}")
        base = decisions.pending_listing(group.pk)
        rows = await page_rows(
            conn, core.secret, scope, base, decisions.LISTING_ORDER, limit, after, before
        )
    items = [
        PendingItem(r.id, r.user_id, r.wa_id, r.created_at, r.link_id, stored_answers(r.answers))
        for r in rows.rows
    ]
    return rows.page(core.secret, scope, items)


async def decide(
    core: Core,
    business_id: str,
    group_id: str,
    request_ids: list[str] | None,
    approve: bool,
    actor: Actor,
    *,
    ban: bool = False,
) -> Decisions:
    """Approve or reject pending requests; each id settles at most once, ever.
    Rejecting with ``ban`` also bans the people rejected from every link of the group.

    ``None`` means every request pending when the group's lock is taken, oldest
    first. Approving stops at the group's capacity and at each link's member
    limit (the people a link admits, at once or approved, never pass it); the
    rest fail as full or used up and stay pending.
    """
    asked = Asked(business_id, group_id, request_ids, approve, ban, ids.request_id())
    return await core.db.run(lambda tx: _decide(tx, core, actor, asked))


@dataclass(frozen=True, slots=True)
class Asked:
    business_id: str
    group_id: str
    request_ids: list[str] | None
    approve: bool
    ban: bool
    request_id: str  # this decision's


def _decide(tx: Tx, core: Core, actor: Actor, asked: Asked) -> Decisions:
    now, approve = core.clock(), asked.approve
    group = writable_group_in(tx, asked.business_id, asked.group_id, actor, Ability.DECIDE)
    request_ids = asked.request_ids
    if request_ids is None:
        request_ids = decisions.pending_ids(tx, group.pk)
    rows = decisions.requests_with_people(tx, group.pk, request_ids)
    done: list[str] = []
    failed: list[tuple[str, DomainError]] = []
    to_admit: list[Arrival] = []
    rejected: list[int] = []  # the links of the rejected requests
    banned: list[tuple[int, int, str]] = []  # (person pk, link pk, wa_id) to ban
    settled: list[tuple[int, str]] = []  # (link pk, request id) of each one settled
    state = RequestState.APPROVED if approve else RequestState.REJECTED
    for asked_id in request_ids:
        row = rows.get(asked_id)
        if row is None or row.state != RequestState.PENDING:
            failed.append((asked_id, JoinRequestUnknown(f"No pending join request {asked_id}")))
            continue
        if approve:
            refusal = _why_not(group, row, core.limits.max_participants, to_admit)
            if refusal is not None:
                failed.append((asked_id, refusal))
                continue
            to_admit.append(
                Arrival(row.person_pk, row.user_id, row.wa_id, row.link_pk, row.link_id)
            )
        else:
            rejected.append(row.link_pk)
            if asked.ban:
                banned.append((row.person_pk, row.link_pk, row.wa_id))
        arrivals.close_request(tx, row.pk, state, actor.label, now)
        done.append(asked_id)
        settled.append((row.link_pk, asked_id))
    if to_admit:
        admit(tx, core, group, to_admit, actor, now, via_request=True, request_id=asked.request_id)
    figures.add_each_in(tx, rejected, utc_day(now), "rejected")
    action = "join_request.approve" if approve else "join_request.reject"
    audit_by_link(tx, group, actor, action, now, "join_request_ids", settled)
    for person_pk, _, _ in banned:
        departures.ban(tx, group.pk, person_pk, actor.label, now)
    named = [(link_pk, wa_id) for _, link_pk, wa_id in banned]
    audit_by_link(tx, group, actor, "participants.ban", now, "wa_ids", named)
    return Decisions(asked.request_id, done, failed)


def _why_not(
    group: Record, request: Record, capacity: int, admitting: list[Arrival]
) -> DomainError | None:
    """Why approving this request now would break a limit (None: it fits)."""
    if capacity - group.participant_count - len(admitting) <= 0:
        return GroupFull("The group is full")
    through_same_link = sum(1 for a in admitting if a.link_pk == request.link_pk)
    try:
        check_has_room(group_link_view(group, request, "link_"), through_same_link + 1)
    except LinkDead:
        return LinkDead("used_up")
    return None
