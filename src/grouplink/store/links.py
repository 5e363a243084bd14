"""Invite links in the database: make, find, list, change, end, count, and who may use one.

Each function takes an open connection; the caller holds the group's row lock
for every write (see :func:`grouplink.store.queries.find_group`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import ids
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.links import LinkEnd, LinkState, LinkView
from grouplink.store.driver import Record, Statement, Tx
from grouplink.store.queries import Row
from grouplink.store.tables import groups, invite_link_people, invite_links, people

# The columns the rules read, as the link page's joined query names them.
RULE_COLUMNS = (
    "pk",
    "id",
    "state",
    "end_reason",
    "expires_at",
    "use_limit",
    "joined_count",
    "approval_mode",
    "paused_until",
    "restricted",
)
LINK_VIEW_COLUMNS = tuple(invite_links.c[name].label("link_" + name) for name in RULE_COLUMNS)


def link_view(link: Row, prefix: str = "", group_paused_until: int | None = None) -> LinkView:
    """The rules' view of a link row (its columns named ``{prefix}state`` and so on)."""

    def column(name: str) -> Any:
        return getattr(link, prefix + name)

    end_reason, approval_mode = column("end_reason"), column("approval_mode")
    return LinkView(
        revoked=column("state") != LinkState.ACTIVE,
        end_reason=LinkEnd(end_reason) if end_reason else None,
        expires_at=column("expires_at"),
        member_limit=column("use_limit"),
        joined=column("joined_count"),
        approval_mode=JoinApprovalMode(approval_mode) if approval_mode else None,
        paused_until=column("paused_until"),
        group_paused_until=group_paused_until,
        restricted=bool(column("restricted")),
    )


async def find_by_code(conn: AsyncConnection, code: str) -> Row | None:
    if not ids.is_invite_code(code):
        return None
    return (await conn.execute(_BY_CODE, {"code": code})).first()


_BY_CODE = sa.select(invite_links).where(invite_links.c.code == sa.bindparam("code"))


async def find_by_id(conn: AsyncConnection, group_pk: int, link_id: str) -> Row | None:
    if not (link_id.isascii() and link_id.isalnum()):
        return None
    return (await conn.execute(_BY_ID, {"group": group_pk, "id": link_id})).first()


_BY_ID = sa.select(invite_links).where(
    invite_links.c.group_pk == sa.bindparam("group"), invite_links.c.id == sa.bindparam("id")
)


async def primary_link(conn: AsyncConnection, group_pk: int) -> Row | None:
    """The group's working primary link (revoking a primary makes it an ordinary link)."""
    return (await conn.execute(_PRIMARY, {"group": group_pk})).first()


_PRIMARY = sa.select(invite_links).where(
    invite_links.c.group_pk == sa.bindparam("group"), invite_links.c.is_primary.is_(True)
)


async def create_link(
    conn: AsyncConnection,
    group_pk: int,
    actor: str,
    now: int,
    *,
    primary: bool,
    settings: Mapping[str, Any] | None = None,
) -> Row:
    """A new working link; ``settings`` are its columns (name, expires_at, use_limit...)."""
    values = {**_new_link(group_pk, actor, now, primary), **(settings or {})}
    link: Row = (await conn.execute(_INSERT, values)).one()
    return link


def _new_link(group_pk: int, actor: str, now: int, primary: bool) -> dict[str, Any]:
    return {
        "id": ids.link_id(),
        "group_pk": group_pk,
        "code": ids.invite_code(),
        "is_primary": primary,
        "state": LinkState.ACTIVE,
        "created_by": actor,
        "created_at": now,
    }


_INSERT = sa.insert(invite_links).returning(invite_links)


def create_primary_in(tx: Tx, group_pk: int, actor: str, now: int) -> Record:
    """:func:`create_link` of a primary link with no settings, in a use case on the driver:
    its ``pk``, ``id`` and ``code``."""
    values = _new_link(group_pk, actor, now, primary=True)
    values["state"] = values["state"].value
    made = tx.row(_INSERT_PRIMARY, **values)
    assert made is not None
    return made


_INSERT_PRIMARY = Statement.of(
    sa.insert(invite_links)
    .values({name: sa.bindparam(name) for name in _new_link(0, "", 0, True)})
    .returning(invite_links.c.pk, invite_links.c.id, invite_links.c.code)
)


async def end_links(
    conn: AsyncConnection,
    group_pk: int,
    reason: LinkEnd,
    actor: str,
    now: int,
    *,
    primary_only: bool = False,
) -> int:
    """Revoke the group's working links (or its primary only) at once: how many ended."""
    ending = {"of_group": group_pk, "end_reason": reason, "ended_at": now, "ended_by": actor}
    query = _END_PRIMARY if primary_only else _END_ALL
    return (await conn.execute(query, ending)).rowcount


def end_links_in(
    tx: Tx, group_pk: int, reason: LinkEnd, actor: str, now: int, *, primary_only: bool = False
) -> int:
    """:func:`end_links`, in a use case on the driver."""
    ending = {"of_group": group_pk, "end_reason": reason.value, "ended_at": now, "ended_by": actor}
    return len(tx.rows(_ENDED_PRIMARY if primary_only else _ENDED_ALL, **ending))


_END_ALL = (
    sa.update(invite_links)
    .where(invite_links.c.group_pk == sa.bindparam("of_group"))
    .where(invite_links.c.state == LinkState.ACTIVE)
    .values(
        state=LinkState.REVOKED,
        is_primary=False,
        end_reason=sa.bindparam("end_reason"),
        ended_at=sa.bindparam("ended_at"),
        ended_by=sa.bindparam("ended_by"),
    )
)
_END_PRIMARY = _END_ALL.where(invite_links.c.is_primary.is_(True))
_ENDED_ALL = Statement.of(_END_ALL.returning(invite_links.c.pk))
_ENDED_PRIMARY = Statement.of(_END_PRIMARY.returning(invite_links.c.pk))


async def revoke_link(conn: AsyncConnection, link_pk: int, actor: str, now: int) -> None:
    await conn.execute(
        sa.update(invite_links)
        .where(invite_links.c.pk == link_pk, invite_links.c.state == LinkState.ACTIVE)
        .values(
            state=LinkState.REVOKED,
            is_primary=False,
            end_reason=LinkEnd.REVOKED,
            ended_at=now,
            ended_by=actor,
        )
    )


async def update_link(conn: AsyncConnection, link_pk: int, values: Mapping[str, Any]) -> None:
    if not values:
        return
    await conn.execute(sa.update(invite_links).where(invite_links.c.pk == link_pk).values(values))


async def count_working_others(conn: AsyncConnection, group_pk: int, now: int) -> int:
    """Links besides the primary that still work or will again (paused ones count)."""
    query = sa.select(sa.func.count()).where(
        invite_links.c.group_pk == group_pk,
        invite_links.c.is_primary.is_(False),
        state_condition(LinkState.ACTIVE, now, with_paused=True),
    )
    return int(await conn.scalar(query) or 0)


async def count_working(conn: AsyncConnection, group_pk: int, now: int) -> int:
    """Every link of the group that a reset would stop: the working ones, paused or not."""
    query = sa.select(sa.func.count()).where(
        invite_links.c.group_pk == group_pk,
        state_condition(LinkState.ACTIVE, now, with_paused=True),
    )
    return int(await conn.scalar(query) or 0)


def state_condition(
    state: LinkState, now: int, *, with_paused: bool = False
) -> sa.ColumnElement[bool]:
    """SQL for "the link's state is ``state`` at ``now``", for listings and counts.

    It mirrors :func:`grouplink.domain.links.state_of` so that a listing can filter
    and page in the database; ``tests/store/test_link_states.py`` checks that the two
    agree on every state. The group-wide pause is the group's: callers join it.
    """
    link = invite_links.c
    revoked = link.state != LinkState.ACTIVE
    expired = sa.and_(link.expires_at.is_not(None), link.expires_at <= now)
    used_up = sa.and_(link.use_limit.is_not(None), link.joined_count >= link.use_limit)
    paused = sa.or_(
        sa.and_(link.paused_until.is_not(None), link.paused_until > now),
        sa.and_(groups.c.links_paused_until.is_not(None), groups.c.links_paused_until > now),
    )
    working = sa.and_(sa.not_(revoked), sa.not_(expired), sa.not_(used_up))
    if state is LinkState.REVOKED:
        return revoked
    if state is LinkState.EXPIRED:
        return sa.and_(sa.not_(revoked), expired)
    if state is LinkState.USED_UP:
        return sa.and_(sa.not_(revoked), sa.not_(expired), used_up)
    if state is LinkState.PAUSED:
        return sa.and_(working, paused)
    return working if with_paused else sa.and_(working, sa.not_(paused))


def listing(group_pk: int, state: LinkState | None, now: int) -> tuple[sa.Select[Any], Any]:
    """A group's links for :func:`grouplink.store.paging.page_rows`: the primary first,
    then newest first, by a sort key named ``pk`` (the real one is ``link_pk``)."""
    order = sa.case(
        (invite_links.c.is_primary.is_(True), invite_links.c.pk + 2**40), else_=invite_links.c.pk
    )
    columns = [c for c in invite_links.c if c.name != "pk"]
    base = (
        sa.select(*columns, invite_links.c.pk.label("link_pk"), order.label("pk"))
        .join(groups, groups.c.pk == invite_links.c.group_pk)
        .where(invite_links.c.group_pk == group_pk)
    )
    if state is not None:
        base = base.where(state_condition(state, now))
    return base, order


async def set_allowed(conn: AsyncConnection, link_pk: int, person_pks: list[int] | None) -> None:
    """Who may use the link: these people only, or (None) anyone who has it."""
    await conn.execute(sa.delete(invite_link_people).where(invite_link_people.c.link_pk == link_pk))
    if person_pks:
        await conn.execute(
            sa.insert(invite_link_people),
            [
                {"link_pk": link_pk, "person_pk": pk, "position": n}
                for n, pk in enumerate(dict.fromkeys(person_pks))
            ],
        )
    await update_link(conn, link_pk, {"restricted": person_pks is not None})


async def is_allowed(conn: AsyncConnection, link_pk: int, person_pk: int) -> bool:
    found = await conn.execute(_ALLOWED, {"link": link_pk, "person": person_pk})
    return found.first() is not None


_ALLOWED = sa.select(invite_link_people.c.link_pk).where(
    invite_link_people.c.link_pk == sa.bindparam("link"),
    invite_link_people.c.person_pk == sa.bindparam("person"),
)


async def allowed_people(
    conn: AsyncConnection, link_pks: list[int]
) -> dict[int, list[tuple[str, str]]]:
    """The (user_id, wa_id) of the people each restricted link is for, in the order given."""
    if not link_pks:
        return {}
    query = (
        sa.select(invite_link_people.c.link_pk, people.c.user_id, people.c.wa_id)
        .join(people, people.c.pk == invite_link_people.c.person_pk)
        .where(invite_link_people.c.link_pk.in_(link_pks))
        .order_by(invite_link_people.c.link_pk, invite_link_people.c.position)
    )
    found: dict[int, list[tuple[str, str]]] = {}
    for row in await conn.execute(query):
        found.setdefault(row.link_pk, []).append((row.user_id, row.wa_id))
    return found


async def names_of(
    conn: AsyncConnection, link_pks: Iterable[int]
) -> dict[int, tuple[str, str, bool]]:
    """(id, name, is_primary) of each link, for showing where people came from."""
    wanted = sorted({pk for pk in link_pks})
    if not wanted:
        return {}
    query = sa.select(
        invite_links.c.pk, invite_links.c.id, invite_links.c.name, invite_links.c.is_primary
    ).where(invite_links.c.pk.in_(wanted))
    return {r.pk: (r.id, r.name, bool(r.is_primary)) for r in await conn.execute(query)}


async def set_next_rotation(conn: AsyncConnection, group_pk: int, at: int | None) -> None:
    await conn.execute(_SET_NEXT_ROTATION, {"group": group_pk, "at": at})


def set_next_rotation_in(tx: Tx, group_pk: int, at: int | None) -> None:
    """:func:`set_next_rotation`, in a use case on the driver."""
    tx.run(_NEXT_ROTATION, group=group_pk, at=at)


_SET_NEXT_ROTATION = (
    sa.update(groups)
    .where(groups.c.pk == sa.bindparam("group"))
    .values(next_rotation_at=sa.bindparam("at"))
)
_NEXT_ROTATION = Statement.of(_SET_NEXT_ROTATION)


async def rotations_due(conn: AsyncConnection, now: int, limit: int) -> list[tuple[str, str]]:
    """(business id, group id) of live groups whose primary link is due to rotate."""
    query = (
        sa.select(groups.c.business_id, groups.c.id)
        .where(groups.c.next_rotation_at <= now, groups.c.deleted_at.is_(None))
        .order_by(groups.c.next_rotation_at)
        .limit(limit)
    )
    return [(r.business_id, r.id) for r in await conn.execute(query)]
