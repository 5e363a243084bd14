"""Each link's figures: its totals (on the link's row, which its member limit reads) and
its figures per UTC day (``link_days``, which insights read), both grown in the
changes' own transactions, so they agree with the changes and the audit log."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.driver import Statement, Tx
from grouplink.store.queries import Row
from grouplink.store.tables import invite_links, link_days

FIGURES = ("opens", "join_requests", "joined", "approved", "rejected", "left")
_TOTALS = {
    "opens": invite_links.c.open_count,
    "join_requests": invite_links.c.request_count,
    "joined": invite_links.c.joined_count,
    "approved": invite_links.c.approved_count,
    "rejected": invite_links.c.rejected_count,
    "left": invite_links.c.left_count,
}
_INSERT = {"postgresql": pg_insert, "sqlite": sqlite_insert}


async def add(conn: AsyncConnection, link_pk: int, day: int, **figures: int) -> None:
    """Add to a link's figures on ``day``: ``add(conn, pk, day, joined=1, approved=1)``."""
    totals = {_TOTALS[name].key: _TOTALS[name] + n for name, n in figures.items()}
    await conn.execute(sa.update(invite_links).where(invite_links.c.pk == link_pk).values(totals))
    insert: Any = _INSERT[conn.dialect.name](link_days).values(link_pk=link_pk, day=day, **figures)
    grown = {name: link_days.c[name] + insert.excluded[name] for name in figures}
    await conn.execute(insert.on_conflict_do_update(index_elements=["link_pk", "day"], set_=grown))


async def add_each(
    conn: AsyncConnection, link_pks: Iterable[int | None], day: int, *names: str
) -> None:
    """Add one to each of ``names`` of each link, once per time it is named (two
    statements per link); None is skipped."""
    for pk, n in _times(link_pks).items():
        await add(conn, pk, day, **dict.fromkeys(names, n))


def add_in(tx: Tx, link_pk: int, day: int, **figures: int) -> None:
    """:func:`add`, inside a use case of the driver's (:mod:`grouplink.store.driver`)."""
    names = tuple(figures)
    tx.run(_totals_statement(names), link=link_pk, **figures)
    tx.run(_day_statement(names), link=link_pk, day=day, **figures)


def add_each_in(tx: Tx, link_pks: Iterable[int | None], day: int, *names: str) -> None:
    """:func:`add_each`, inside a use case of the driver's."""
    for pk, n in _times(link_pks).items():
        add_in(tx, pk, day, **dict.fromkeys(names, n))


def _times(link_pks: Iterable[int | None]) -> dict[int, int]:
    """How often each link is named; None is skipped."""
    times: dict[int, int] = {}
    for pk in link_pks:
        if pk is not None:
            times[pk] = times.get(pk, 0) + 1
    return times


@functools.cache
def _totals_statement(names: tuple[str, ...]) -> Statement:
    grown = ", ".join(f"{_TOTALS[name].key} = {_TOTALS[name].key} + :{name}" for name in names)
    return Statement(f"UPDATE invite_links SET {grown} WHERE pk = :link")


@functools.cache
def _day_statement(names: tuple[str, ...]) -> Statement:
    columns = ", ".join(f'"{name}"' for name in names)  # ("left" is a keyword)
    values = ", ".join(f":{name}" for name in names)
    grown = ", ".join(f'"{n}" = link_days."{n}" + excluded."{n}"' for n in names)
    return Statement(
        f"INSERT INTO link_days (link_pk, day, {columns}) VALUES (:link, :day, {values})"
        f" ON CONFLICT (link_pk, day) DO UPDATE SET {grown}"
    )


async def days_of_group(
    conn: AsyncConnection, group_pk: int, first_day: int, last_day: int, link_pk: int | None
) -> list[Row]:
    """(day, link id, figures...) of the group's links, or one link's, for each day from
    ``first_day`` to ``last_day`` with any figure; by day, then link."""
    query = (
        sa.select(link_days, invite_links.c.id.label("link_id"))
        .join(invite_links, invite_links.c.pk == link_days.c.link_pk)
        .where(
            invite_links.c.group_pk == group_pk,
            link_days.c.day >= first_day,
            link_days.c.day <= last_day,
        )
        .order_by(link_days.c.day, link_days.c.link_pk)
    )
    if link_pk is not None:
        query = query.where(link_days.c.link_pk == link_pk)
    return list((await conn.execute(query)).all())
