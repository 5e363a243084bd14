"""Groups in the database: make, count, list, their participants, suspend, retire.

Each function takes an open connection; every write runs under the group's row
lock (see :func:`grouplink.store.queries.find_group`), the insert under the
phone number's (see :func:`grouplink.store.businesses.phone_number`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.groups import JoinApprovalMode, LinkManagers
from grouplink.store.paging import Rows, page_rows
from grouplink.store.queries import Row
from grouplink.store.tables import groups, invite_links, join_requests, participants, people


@dataclass(frozen=True, slots=True)
class Participant:
    """A participant as ``fields=participants`` lists them; ``link_id`` is the invite
    link they came through, None where there was none (added, or the group's creator)."""

    user_id: str
    wa_id: str
    link_id: str | None


async def count_live(conn: AsyncConnection, phone_number_id: str) -> int:
    """How many groups on this phone number are not deleted."""
    count = await conn.scalar(
        sa.select(sa.func.count())
        .select_from(groups)
        .where(groups.c.phone_number_id == phone_number_id, groups.c.deleted_at.is_(None))
    )
    return int(count or 0)


async def add_group(
    conn: AsyncConnection,
    *,
    group_id: str,
    business_id: str,
    phone_number_id: str,
    subject: str,
    description: str,
    mode: JoinApprovalMode,
    link_managers: LinkManagers,
    now: int,
) -> Row:
    """The new group's row, as :func:`~grouplink.store.queries.find_group` reads one."""
    made = await conn.execute(
        sa.insert(groups)
        .values(
            id=group_id,
            business_id=business_id,
            phone_number_id=phone_number_id,
            subject=subject,
            description=description,
            join_approval_mode=mode,
            link_managers=link_managers,
            created_at=now,
            updated_at=now,
        )
        .returning(groups)
    )
    group: Row = made.one()
    return group


async def page_of_number(
    conn: AsyncConnection,
    secret: bytes,
    scope: str,
    phone_number_id: str,
    limit: int,
    after: str | None,
    before: str | None,
) -> Rows:
    """One page of the phone number's live groups (``pk``, ``id``, ``subject``,
    ``created_at``), newest first; the page's cursors are signed for ``scope``."""
    base = sa.select(groups.c.pk, groups.c.id, groups.c.subject, groups.c.created_at).where(
        groups.c.phone_number_id == phone_number_id, groups.c.deleted_at.is_(None)
    )
    return await page_rows(conn, secret, scope, base, groups.c.pk, limit, after, before)


async def participants_of(conn: AsyncConnection, group_pk: int) -> list[Participant]:
    """The group's participants in the order they joined."""
    query = (
        sa.select(people.c.user_id, people.c.wa_id, invite_links.c.id.label("link_id"))
        .join(participants, participants.c.person_pk == people.c.pk)
        .outerjoin(invite_links, invite_links.c.pk == participants.c.link_pk)
        .where(participants.c.group_pk == group_pk)
        .order_by(participants.c.joined_at, people.c.pk)
    )
    return [Participant(r.user_id, r.wa_id, r.link_id) for r in await conn.execute(query)]


async def retire(conn: AsyncConnection, group_pk: int, actor: str, now: int) -> None:
    """Delete the group: its participants go, its pending requests are cancelled by
    ``actor``, and its row stays, marked deleted. Its links are ended first, by
    :func:`grouplink.store.links.end_links`."""
    await conn.execute(sa.delete(participants).where(participants.c.group_pk == group_pk))
    await conn.execute(
        sa.update(join_requests)
        .where(join_requests.c.group_pk == group_pk, join_requests.c.state == "pending")
        .values(state="cancelled", decided_at=now, decided_by=actor)
    )
    await conn.execute(
        sa.update(groups)
        .where(groups.c.pk == group_pk)
        .values(deleted_at=now, updated_at=now, participant_count=0)
    )


async def set_suspended(conn: AsyncConnection, group_pk: int, suspended: bool, now: int) -> None:
    await conn.execute(
        sa.update(groups).where(groups.c.pk == group_pk).values(suspended=suspended, updated_at=now)
    )
