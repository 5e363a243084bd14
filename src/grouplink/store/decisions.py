"""Join requests as admins see them: the pending ones listed (through SQLAlchemy, a
cold read), and those being decided, for use cases run on the driver
(:mod:`grouplink.store.driver`; the caller holds the group's lock,
:mod:`grouplink.store.locks`, and the writes are :mod:`grouplink.store.arrivals`'s)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from grouplink.domain.join_requests import RequestState
from grouplink.store.driver import Record, Statement, Tx
from grouplink.store.links import RULE_COLUMNS
from grouplink.store.tables import invite_links, join_requests, people


def pending_listing(group_pk: int) -> sa.Select[Any]:
    """The group's pending requests, each with its person and link, for
    :func:`grouplink.store.paging.page_rows` (by :data:`LISTING_ORDER`)."""
    return (
        sa.select(
            join_requests.c.pk,
            join_requests.c.id,
            join_requests.c.created_at,
            people.c.user_id,
            people.c.wa_id,
            invite_links.c.id.label("link_id"),
            join_requests.c.answers,
        )
        .join(people, people.c.pk == join_requests.c.person_pk)
        .join(invite_links, invite_links.c.pk == join_requests.c.link_pk)
        .where(
            join_requests.c.group_pk == group_pk,
            join_requests.c.state == RequestState.PENDING,
        )
    )


LISTING_ORDER = join_requests.c.pk


def pending_ids(tx: Tx, group_pk: int) -> list[str]:
    """Every request of the group still waiting, oldest first."""
    found = tx.rows(_PENDING_IDS, group=group_pk, pending=RequestState.PENDING.value)
    return [str(r.id) for r in found]


_PENDING_IDS = Statement(
    "SELECT id FROM join_requests WHERE group_pk = :group AND state = :pending ORDER BY pk"
)


def requests_with_people(tx: Tx, group_pk: int, request_ids: list[str]) -> dict[str, Record]:
    """The group's requests among ``request_ids`` by id, whatever their state: each with
    its person's ``user_id`` and ``wa_id`` and its link's columns, ``link_``-prefixed."""
    found = tx.rows(_REQUESTS, group=group_pk, ids=tx.array(request_ids))
    return {r.id: r for r in found}


_LINK = ", ".join(f"l.{name} AS link_{name}" for name in RULE_COLUMNS)
_REQUESTS_OF = (
    f"SELECT r.pk, r.id, r.person_pk, r.state, p.user_id, p.wa_id, {_LINK}"
    " FROM join_requests r JOIN people p ON p.pk = r.person_pk"
    " JOIN invite_links l ON l.pk = r.link_pk WHERE r.group_pk = :group"
)
_REQUESTS = Statement(
    _REQUESTS_OF + " AND r.id IN (SELECT value FROM json_each(:ids))",
    postgres=_REQUESTS_OF + " AND r.id = ANY(:ids::text[])",
)
