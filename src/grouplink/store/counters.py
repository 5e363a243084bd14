"""Rate counters shared by every worker: one row per counted key, for its current window.

A hit is one upsert: it adds to the key's window, or opens a new window if the
last one has ended, and returns the total and the window's end. The database
orders concurrent hits (PostgreSQL by the row's lock, SQLite by its write lock),
so no two workers ever read the same total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.tables import rate_counters

_INSERT = {"postgresql": pg_insert, "sqlite": sqlite_insert}


@dataclass(frozen=True, slots=True)
class Counted:
    """Hits of one key: ``counter`` names the scope and rule, ``key_hash`` the key."""

    counter: str
    key_hash: str
    window_ms: int


@dataclass(frozen=True, slots=True)
class Total:
    hits: int  # in the window, every worker's
    ends_at: int  # when the window ends


def _adding(dialect: str) -> Any:
    insert: Any = _INSERT[dialect](rate_counters)
    table, new = rate_counters.c, insert.excluded
    ended = table.expires_at <= new.window_start  # the new row's start is the hit's time

    def unless_ended(kept: Any, fresh: Any) -> Any:
        return sa.case((ended, fresh), else_=kept)

    return insert.on_conflict_do_update(
        index_elements=["counter", "key_hash"],
        set_={
            "hits": unless_ended(table.hits + new.hits, new.hits),
            "window_start": unless_ended(table.window_start, new.window_start),
            "expires_at": unless_ended(table.expires_at, new.expires_at),
        },
    ).returning(table.counter, table.key_hash, table.hits, table.expires_at)


_ADDING = {dialect: _adding(dialect) for dialect in _INSERT}


def _row(counted: Counted, hits: int, now_ms: int) -> dict[str, Any]:
    return {
        "counter": counted.counter,
        "key_hash": counted.key_hash,
        "window_start": now_ms,
        "hits": hits,
        "expires_at": now_ms + counted.window_ms,
    }


async def hit(conn: AsyncConnection, counted: Counted, now_ms: int, hits: int = 1) -> Total:
    """Add ``hits`` at ``now_ms``: the window's total after them, and its end."""
    made = (await conn.execute(_ADDING[conn.dialect.name], _row(counted, hits, now_ms))).one()
    return Total(int(made.hits), int(made.expires_at))


async def add_each(
    conn: AsyncConnection, added: Sequence[tuple[Counted, int]], now_ms: int
) -> dict[Counted, Total]:
    """Add to many keys at once (one statement per batch of rows): each one's total.
    The keys must differ from each other."""
    if not added:
        return {}
    # The same order in every worker, so two overlapping batches on PostgreSQL lock
    # their rows in the same order and never deadlock.
    ordered = sorted(added, key=lambda item: (item[0].counter, item[0].key_hash))
    by_key = {(c.counter, c.key_hash): c for c, _ in ordered}
    rows = [_row(counted, n, now_ms) for counted, n in ordered]
    made = await conn.execute(_ADDING[conn.dialect.name], rows)
    return {by_key[(r.counter, r.key_hash)]: Total(int(r.hits), int(r.expires_at)) for r in made}


async def forget_ended(conn: AsyncConnection, now_ms: int) -> int:
    """Delete the counters of windows that have ended: how many."""
    done = await conn.execute(sa.delete(rate_counters).where(rate_counters.c.expires_at <= now_ms))
    return int(done.rowcount or 0)
