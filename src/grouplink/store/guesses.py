"""Each number's wrong sign-in codes across all its codes (``signin_guesses``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.signin import Guesses
from grouplink.store.tables import signin_guesses as table


def _holding(insert: Any) -> Any:
    # An upsert that changes nothing: it makes the row if missing and locks it either
    # way, in one statement (a separate SELECT ... FOR UPDATE could find the row gone).
    return insert.on_conflict_do_update(
        index_elements=["wa_id"], set_={"wrong": table.c.wrong}
    ).returning(table.c.wrong, table.c.locked_until, table.c.forget_at)


_HOLD = {"postgresql": _holding(pg_insert(table)), "sqlite": _holding(sqlite_insert(table))}
_NONE = {"wrong": 0, "locked_until": 0, "forget_at": 0}


async def hold(conn: AsyncConnection, wa_id: str, now_ms: int) -> Guesses:
    """The number's guesses as of ``now_ms``, its row locked until the transaction ends
    (made first if missing, so that two checks of the number's codes wait for each other
    even when there is nothing to lock yet)."""
    row = (await conn.execute(_HOLD[conn.dialect.name], {"wa_id": wa_id, **_NONE})).one()
    return Guesses(row.wrong, row.locked_until, row.forget_at).as_of(now_ms)


async def read(conn: AsyncConnection, wa_id: str, now_ms: int) -> Guesses:
    row = (await conn.execute(sa.select(table).where(table.c.wa_id == wa_id))).first()
    if row is None:
        return Guesses()
    return Guesses(row.wrong, row.locked_until, row.forget_at).as_of(now_ms)


async def save(conn: AsyncConnection, wa_id: str, guesses: Guesses) -> None:
    """Write a row that :func:`hold` holds."""
    await conn.execute(
        sa.update(table)
        .where(table.c.wa_id == wa_id)
        .values(wrong=guesses.wrong, locked_until=guesses.locked_until, forget_at=guesses.forget_at)
    )


async def forget(conn: AsyncConnection, wa_id: str) -> None:
    await conn.execute(sa.delete(table).where(table.c.wa_id == wa_id))


async def forget_old(conn: AsyncConnection, now_ms: int) -> int:
    """Delete the rows of numbers whose wrong codes are forgiven: how many."""
    done = await conn.execute(sa.delete(table).where(table.c.forget_at <= now_ms))
    return int(done.rowcount or 0)
