"""The link page's reads: an invite link's row joined to its group's (and thumbnail's),
and where the person reading it stands with the group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.join_requests import RequestState
from grouplink.store import arrivals, links, pictures
from grouplink.store.queries import Row
from grouplink.store.tables import bans, groups, invite_links, join_requests, participants


async def link_with_group(conn: AsyncConnection, code: str, with_picture: bool) -> Row | None:
    """The group's columns and the link's (``link_``-prefixed) by the link's code;
    with ``with_picture``, the group's thumbnail too (``picture_type``, ``picture_data``)."""
    query = _LINK_WITH_GROUP_AND_PICTURE if with_picture else _LINK_WITH_GROUP
    return (await conn.execute(query, {"code": code})).first()


_LINK_WITH_GROUP = (
    sa.select(groups, *links.LINK_VIEW_COLUMNS)
    .join(invite_links, invite_links.c.group_pk == groups.c.pk)
    .where(invite_links.c.code == sa.bindparam("code"))
)
_LINK_WITH_GROUP_AND_PICTURE = pictures.with_thumbnail(_LINK_WITH_GROUP)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a person stands with a group: removed, in, or waiting (or none of these)."""

    banned: bool
    member: bool
    pending: arrivals.RequestRef | None


async def place_in_group(conn: AsyncConnection, group_pk: int, person_pk: int) -> Place:
    """The three questions the link page asks, in one round trip (joining asks them
    under the group's lock: :func:`grouplink.store.arrivals.standing`)."""
    found = (await conn.execute(_PLACE, {"group": group_pk, "person": person_pk})).one()
    pending = None if found.pk is None else arrivals.RequestRef(found.pk, found.id)
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
