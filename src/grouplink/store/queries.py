"""Queries shared by several services. Each takes an open connection."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.events import Event
from grouplink.domain.people import bsuid
from grouplink.domain.permissions import Role
from grouplink.store import journal
from grouplink.store.audit import audit as audit  # re-exported: services call queries.audit
from grouplink.store.changes import group_slot, note_change
from grouplink.store.notifications import announce_group
from grouplink.store.tables import (
    businesses,
    groups,
    outbox,
    participants,
    people,
    server_state,
)

Row = sa.Row[Any]


async def find_group(
    conn: AsyncConnection, business_id: str, group_id: str, *, lock: bool
) -> Row | None:
    """A live group of this business; with ``lock``, hold its row until commit.

    Every write to a group, its links, participants and requests locks the group
    row first, so writes to one group are serial and invariants (capacity,
    revoked links, decided requests) hold under any concurrency.
    """
    query = _LIVE_GROUP_OF_LOCKED if lock else _LIVE_GROUP_OF
    return await _live_group(conn, query, group_id, lock, business_id=business_id)


async def find_live_group(conn: AsyncConnection, group_id: str) -> Row | None:
    """A live group of any business: for a person, whose role in it is checked next."""
    return await _live_group(conn, _LIVE_GROUP, group_id, False)


# The hot statements are built once; their values are bound at each execution.
_LIVE_GROUP = sa.select(groups).where(
    groups.c.id == sa.bindparam("group_id"), groups.c.deleted_at.is_(None)
)
_LIVE_GROUP_OF = _LIVE_GROUP.where(groups.c.business_id == sa.bindparam("business_id"))
# Locking a group to change it also announces the change to other machines (on
# PostgreSQL, delivered only if the transaction commits): no statement more.
_ANNOUNCED = announce_group(groups.c.pk).label("announced")
_LIVE_GROUP_OF_LOCKED = _LIVE_GROUP_OF.add_columns(_ANNOUNCED).with_for_update()


async def _live_group(
    conn: AsyncConnection, query: sa.Select[Any], group_id: str, lock: bool, **params: str
) -> Row | None:
    if not (group_id.isascii() and group_id.isalnum()):
        return None  # no id has another shape; never hand odd bytes to the database
    group = (await conn.execute(query, {"group_id": group_id, **params})).first()
    return _locked(group, conn) if lock else group


def _locked(group: Row | None, conn: AsyncConnection) -> Row | None:
    """A group is locked to be changed: cached reads of it (its links, its picture)
    are stale once this transaction ends."""
    if group is not None:
        note_change(conn, group_slot(group.pk), announced="announced" in group._fields)
    return group


async def business_secret(conn: AsyncConnection, business_id: str) -> str:
    query = sa.select(businesses.c.app_secret).where(businesses.c.id == business_id)
    return str((await conn.execute(query)).scalar_one())


async def find_person(conn: AsyncConnection, business_id: str, wa_id: str) -> Row | None:
    return (await conn.execute(_PERSON, {"business_id": business_id, "wa_id": wa_id})).first()


_PERSON = sa.select(people).where(
    people.c.business_id == sa.bindparam("business_id"), people.c.wa_id == sa.bindparam("wa_id")
)


async def find_person_by_user_id(
    conn: AsyncConnection, business_id: str, user_id: str
) -> Row | None:
    query = sa.select(people).where(
        people.c.business_id == business_id, people.c.user_id == user_id
    )
    return (await conn.execute(query)).first()


async def ensure_person(
    conn: AsyncConnection, business_id: str, wa_id: str, now: int, server_secret: bytes
) -> Row:
    """The person, made on first sight; ``server_secret`` is ``Core.secret``."""
    found = await find_person(conn, business_id, wa_id)
    if found is not None:
        return found
    # Derived from the business's people-id secret (not the webhook secret, which rotates).
    user_id = bsuid(people_secret_of(business_id, server_secret.decode()), wa_id)
    values = {"business_id": business_id, "wa_id": wa_id, "user_id": user_id, "created_at": now}
    # Two groups of one business may meet a new person at the same moment: the
    # insert that loses returns nothing, and the winner's row is read instead.
    made = await conn.execute(_INSERT_NEW_PERSON[conn.dialect.name], values)
    person = made.first() or await find_person(conn, business_id, wa_id)
    assert person is not None
    return person


_INSERT_NEW_PERSON = {
    "postgresql": pg_insert(people).on_conflict_do_nothing().returning(people),
    "sqlite": sqlite_insert(people).on_conflict_do_nothing().returning(people),
}


async def people_secret(conn: AsyncConnection, business_id: str) -> str:
    """As :func:`people_secret_of`, reading the server secret (for tools without a Core)."""
    query = sa.select(server_state.c.value).where(server_state.c.key == "secret")
    return people_secret_of(business_id, str((await conn.execute(query)).scalar_one()))


def people_secret_of(business_id: str, server_secret: str) -> str:
    # The business id never changes and the server secret is private: together
    # they give every business its own stable BSUID space.
    return business_id + ":" + server_secret


async def participant(conn: AsyncConnection, group_pk: int, person_pk: int) -> Row | None:
    query = sa.select(participants).where(
        participants.c.group_pk == group_pk, participants.c.person_pk == person_pk
    )
    return (await conn.execute(query)).first()


async def role_of(conn: AsyncConnection, group: Row, wa_id: str | None) -> Role | None:
    """The role in ``group`` of the person ``wa_id``, or of its owning business (None)."""
    if wa_id is None:
        return Role.OWNER  # the caller found the group under the business's own id
    asked = {"group": group.pk, "business_id": group.business_id, "wa_id": wa_id}
    role = (await conn.execute(ROLE, asked)).scalar_one_or_none()
    return None if role is None else Role(role)


ROLE = (
    sa.select(participants.c.role)
    .join(people, people.c.pk == participants.c.person_pk)
    .where(
        participants.c.group_pk == sa.bindparam("group"),
        people.c.business_id == sa.bindparam("business_id"),
        people.c.wa_id == sa.bindparam("wa_id"),
    )
)


async def emit(conn: AsyncConnection, group: Row, event: Event, now: int) -> None:
    """Write a webhook event to the outbox, inside the caller's transaction."""
    await emit_for(conn, group.business_id, group.phone_number_id, event, now)


async def emit_for(
    conn: AsyncConnection, business_id: str, phone_number_id: str, event: Event, now: int
) -> None:
    """:func:`emit` for an event of a phone number rather than of a group."""
    row = journal.event_row(business_id, phone_number_id, event, now)
    await conn.execute(_INSERT_EVENT, row)


_INSERT_EVENT = sa.insert(outbox)
