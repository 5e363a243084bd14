"""The statements of people arriving in a group, for use cases run on the driver
(:mod:`grouplink.store.driver`): where a person stands with the group of a link, and
writing them in, or their request to be let in, or the request's end.

The caller holds the group's lock (:mod:`grouplink.store.locks`), and everything a
decision needs is read after it, in one statement: on PostgreSQL a statement that
waited for a row lock sees the locked row as it is now but the other rows it joins
as they were when it began.
"""

from __future__ import annotations

from dataclasses import dataclass

from grouplink.domain.join_requests import RequestState
from grouplink.store.driver import Record, Statement, Tx

PENDING = RequestState.PENDING.value  # a join request's state while it waits


@dataclass(frozen=True, slots=True)
class RequestRef:
    pk: int
    id: str


@dataclass(frozen=True, slots=True)
class Standing:
    """A link, read under its group's lock, and where a person stands with its group."""

    link: Record
    person_pk: int | None  # None: the business has never met them
    person_user_id: str | None
    banned: bool
    member: bool
    pending: RequestRef | None
    allowed: bool  # named among the people the link is for (when it is for some)


def standing(tx: Tx, code: str, business_id: str, wa_id: str) -> Standing:
    """The link ``code`` (its group locked) and the person ``wa_id``'s place in its group."""
    found = tx.row(_STANDING, code=code, business_id=business_id, wa_id=wa_id, pending=PENDING)
    assert found is not None  # the caller holds the lock of the link's group
    extra = ("person_pk", "person_user_id", "banned", "member", "request_pk", "request_id")
    link = Record((k, v) for k, v in found.items() if k not in extra and k != "allowed")
    pending = None if found.request_pk is None else RequestRef(found.request_pk, found.request_id)
    return Standing(
        link,
        found.person_pk,
        found.person_user_id,
        bool(found.banned),
        bool(found.member),
        pending,
        bool(found.allowed),
    )


_THEIR_REQUEST = (
    "FROM join_requests r WHERE r.group_pk = l.group_pk AND r.person_pk = p.pk"
    " AND r.state = :pending"
)
_STANDING = Statement(
    "SELECT l.*, p.pk AS person_pk, p.user_id AS person_user_id,"
    " EXISTS (SELECT 1 FROM bans b WHERE b.group_pk = l.group_pk AND b.person_pk = p.pk)"
    " AS banned,"
    " EXISTS (SELECT 1 FROM participants m WHERE m.group_pk = l.group_pk"
    " AND m.person_pk = p.pk) AS member,"
    f" (SELECT r.pk {_THEIR_REQUEST}) AS request_pk,"
    f" (SELECT r.id {_THEIR_REQUEST}) AS request_id,"
    " EXISTS (SELECT 1 FROM invite_link_people a WHERE a.link_pk = l.pk"
    " AND a.person_pk = p.pk) AS allowed"
    " FROM invite_links l"
    " LEFT JOIN people p ON p.business_id = :business_id AND p.wa_id = :wa_id"
    " WHERE l.code = :code"
)


def add_person(tx: Tx, business_id: str, wa_id: str, user_id: str, now: int) -> int:
    """The person's primary key, their row made if the business never met them (two
    groups of one business may meet a new person at the same moment: both get it)."""
    made = tx.row(
        _ADD_PERSON, business_id=business_id, wa_id=wa_id, user_id=user_id, created_at=now
    )
    assert made is not None
    return int(made.pk)


_ADD_PERSON = Statement(
    "INSERT INTO people (business_id, wa_id, user_id, created_at)"
    " VALUES (:business_id, :wa_id, :user_id, :created_at)"
    " ON CONFLICT (business_id, wa_id) DO UPDATE SET wa_id = excluded.wa_id RETURNING pk"
)


def add_participant(tx: Tx, group_pk: int, person_pk: int, link_pk: int | None, now: int) -> None:
    tx.run(_ADD_PARTICIPANT, group=group_pk, person=person_pk, link=link_pk, now=now)


_ADD_PARTICIPANT = Statement(
    "INSERT INTO participants (group_pk, person_pk, role, link_pk, joined_at)"
    " VALUES (:group, :person, 'member', :link, :now)"
)


def count_participants(tx: Tx, group_pk: int, added: int) -> None:
    tx.run(_COUNT_PARTICIPANTS, group=group_pk, added=added)


_COUNT_PARTICIPANTS = Statement(
    "UPDATE groups SET participant_count = participant_count + :added WHERE pk = :group"
)


def add_request(
    tx: Tx,
    request_id: str,
    group_pk: int,
    person_pk: int,
    link_pk: int,
    now: int,
    answers: str | None,
) -> None:
    tx.run(
        _ADD_REQUEST,
        id=request_id,
        group=group_pk,
        person=person_pk,
        link=link_pk,
        state=PENDING,
        now=now,
        answers=answers,
    )


_ADD_REQUEST = Statement(
    "INSERT INTO join_requests (id, group_pk, person_pk, link_pk, state, created_at, answers)"
    " VALUES (:id, :group, :person, :link, :state, :now, :answers)"
)


def close_request(tx: Tx, request_pk: int, state: str, by: str, now: int) -> None:
    tx.run(_CLOSE_REQUEST, request=request_pk, state=state, now=now, by=by)


_CLOSE_REQUEST = Statement(
    "UPDATE join_requests SET state = :state, decided_at = :now, decided_by = :by"
    " WHERE pk = :request"
)
