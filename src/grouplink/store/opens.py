"""Link-page opens in the database: each day's random key, the day's marks, the counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import ids
from grouplink.store import figures
from grouplink.store.tables import link_open_marks, server_state

_KEY_PREFIX = "opens_key:"


async def day_key(conn: AsyncConnection, day: int) -> bytes:
    """The random key of one UTC day, made by whichever process needs it first."""
    name = f"{_KEY_PREFIX}{day}"
    made = {"key": name, "value": ids.base62(43)}
    await conn.execute(_INSERT_KEY[conn.dialect.name], made)
    query = sa.select(server_state.c.value).where(server_state.c.key == name)
    return str((await conn.execute(query)).scalar_one()).encode()


_INSERT_KEY = {
    "postgresql": pg_insert(server_state).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(server_state).on_conflict_do_nothing(),
}


async def add_marks(conn: AsyncConnection, marks: Iterable[tuple[int, int, int]]) -> int:
    """Record (link_pk, day, visitor) marks; each link's counter grows by its new ones.
    How many were new (a visitor seen earlier that day, by any process, is not)."""
    rows = [{"link_pk": link, "day": day, "visitor": visitor} for link, day, visitor in marks]
    if not rows:
        return 0
    # In batches of many rows a statement; RETURNING gives back the rows that were new.
    made = await conn.execute(_INSERT_MARK[conn.dialect.name], rows)
    new = [(r.link_pk, r.day) for r in made]
    for (link_pk, day), n in Counter(new).items():
        await figures.add(conn, link_pk, day, opens=n)
    return len(new)


_INSERT_MARK = {
    "postgresql": pg_insert(link_open_marks)
    .on_conflict_do_nothing()
    .returning(link_open_marks.c.link_pk, link_open_marks.c.day),
    "sqlite": sqlite_insert(link_open_marks)
    .on_conflict_do_nothing()
    .returning(link_open_marks.c.link_pk, link_open_marks.c.day),
}


async def forget_before(conn: AsyncConnection, day: int) -> None:
    """Delete the marks and keys of every day before ``day``: nothing then ties a count
    to anyone."""
    await conn.execute(sa.delete(link_open_marks).where(link_open_marks.c.day < day))
    keys = await conn.scalars(
        sa.select(server_state.c.key).where(server_state.c.key.startswith(_KEY_PREFIX))
    )
    old = [k for k in keys if int(k.removeprefix(_KEY_PREFIX)) < day]
    if old:
        await conn.execute(sa.delete(server_state).where(server_state.c.key.in_(old)))
