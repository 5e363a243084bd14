"""The statements of admins deciding join requests, for use cases run on the driver
(:mod:`grouplink.store.driver`); the caller holds the group's lock
(:mod:`grouplink.store.locks`), and the writes are :mod:`grouplink.store.arrivals`'s."""

from __future__ import annotations

from grouplink.domain.join_requests import RequestState
from grouplink.store.driver import Record, Statement, Tx
from grouplink.store.links import RULE_COLUMNS


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
