"""The console's reads for one viewer: their groups, a group's members, pending
requests, bans, and a business's phone numbers. Who may see what is the service's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# RequestState belongs in domain/; it sits in services/joins.py until that module's
# SQL is moved too (issue 13), and store/ reads it from there meanwhile.
from grouplink.domain.join_requests import RequestState
from grouplink.domain.permissions import Role
from grouplink.store.paging import Rows, page_rows
from grouplink.store.queries import Row
from grouplink.store.tables import (
    bans,
    groups,
    invite_links,
    join_requests,
    participants,
    people,
    phone_numbers,
)


async def my_groups(
    conn: AsyncConnection,
    secret: bytes,
    scope: str,
    *,
    business_id: str | None,
    wa_id: str | None,
    limit: int,
    after: str | None,
    before: str | None,
) -> Rows:
    """One page of a business's live groups (with ``business_id``; ``role`` is the
    owner's) or of a person's (their ``role`` in each), with each one's ``pending``
    count; the page's cursors are signed for ``scope``."""
    columns = [
        groups.c.pk,
        groups.c.id,
        groups.c.subject,
        groups.c.participant_count,
        groups.c.picture_sha256,
        groups.c.link_managers,
        groups.c.suspended,
        _pending_count(groups.c.pk).scalar_subquery().label("pending"),
    ]
    if business_id is not None:
        base = sa.select(*columns, sa.literal(Role.OWNER.value).label("role")).where(
            groups.c.business_id == business_id, groups.c.deleted_at.is_(None)
        )
    else:
        base = (
            sa.select(*columns, participants.c.role)
            .join(participants, participants.c.group_pk == groups.c.pk)
            .join(people, people.c.pk == participants.c.person_pk)
            .where(people.c.wa_id == wa_id, groups.c.deleted_at.is_(None))
        )
    return await page_rows(conn, secret, scope, base, groups.c.pk, limit, after, before)


async def pending_count(conn: AsyncConnection, group_pk: int) -> int:
    return int(await conn.scalar(_pending_count(group_pk)) or 0)


async def members(conn: AsyncConnection, group_pk: int) -> list[Row]:
    """Each participant's ``wa_id``, ``user_id``, ``role``, ``joined_at`` and the link
    they came through (``link_id`` and so on, None without one): admins first, then
    by when they joined."""
    query: sa.Select[Any] = (
        sa.select(
            people.c.wa_id,
            people.c.user_id,
            participants.c.role,
            participants.c.joined_at,
            *_LINK_COLUMNS,
        )
        .join(participants, participants.c.person_pk == people.c.pk)
        .outerjoin(invite_links, invite_links.c.pk == participants.c.link_pk)
        .where(participants.c.group_pk == group_pk)
        .order_by(
            (participants.c.role == Role.ADMIN.value).desc(),
            participants.c.joined_at,
            people.c.pk,
        )
    )
    return list((await conn.execute(query)).all())


async def pending_requests(conn: AsyncConnection, group_pk: int) -> list[Row]:
    """The group's pending join requests, oldest first: ``id``, ``created_at``,
    ``answers``, the person's ``wa_id`` and the link they asked through."""
    query: sa.Select[Any] = (
        sa.select(
            join_requests.c.id,
            join_requests.c.created_at,
            join_requests.c.answers,
            people.c.wa_id,
            *_LINK_COLUMNS,
        )
        .join(people, people.c.pk == join_requests.c.person_pk)
        .outerjoin(invite_links, invite_links.c.pk == join_requests.c.link_pk)
        .where(
            join_requests.c.group_pk == group_pk,
            join_requests.c.state == RequestState.PENDING,
        )
        .order_by(join_requests.c.pk)
    )
    return list((await conn.execute(query)).all())


async def banned(conn: AsyncConnection, group_pk: int) -> list[Row]:
    """The group's bans, newest first: ``wa_id`` and ``created_at``."""
    query: sa.Select[Any] = (
        sa.select(people.c.wa_id, bans.c.created_at)
        .join(people, people.c.pk == bans.c.person_pk)
        .where(bans.c.group_pk == group_pk)
        .order_by(bans.c.created_at.desc(), people.c.pk)
    )
    return list((await conn.execute(query)).all())


async def phone_numbers_of(conn: AsyncConnection, business_id: str) -> list[Row]:
    """The business's numbers, oldest first: ``id`` and ``display_phone_number``."""
    query: sa.Select[Any] = (
        sa.select(phone_numbers.c.id, phone_numbers.c.display_phone_number)
        .where(phone_numbers.c.business_id == business_id)
        .order_by(phone_numbers.c.created_at, phone_numbers.c.id)
    )
    return list((await conn.execute(query)).all())


# The link each participant or request came through, joined into the listing's own query.
_LINK_COLUMNS = (
    invite_links.c.id.label("link_id"),
    invite_links.c.name.label("link_name"),
    invite_links.c.is_primary.label("link_is_primary"),
    invite_links.c.state.label("link_state"),
)


def _pending_count(group_pk: sa.ColumnElement[int] | int) -> sa.Select[int]:
    """How many join requests of the group wait for a decision."""
    return sa.select(sa.func.count()).where(
        join_requests.c.group_pk == group_pk, join_requests.c.state == RequestState.PENDING
    )
