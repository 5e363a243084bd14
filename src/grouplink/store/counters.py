"""Rate counters shared by every worker: hits per key in one fixed window, one row each.

A hit is one upsert that adds to the window's row and returns its new total, so
the database orders concurrent hits (PostgreSQL by the row's lock, SQLite by its
write lock) and no two workers ever read the same total.
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
class Window:
    """One counter's window: ``counter`` names the scope and rule, ``key_hash`` what counts."""

    counter: str
    key_hash: str
    start: int
    end: int


def _adding(dialect: str) -> Any:
    insert: Any = _INSERT[dialect](rate_counters)
    return insert.on_conflict_do_update(
        index_elements=["counter", "key_hash", "window_start"],
        set_={"hits": rate_counters.c.hits + insert.excluded.hits},
    ).returning(
        rate_counters.c.counter,
        rate_counters.c.key_hash,
        rate_counters.c.window_start,
        rate_counters.c.hits,
    )


_ADDING = {dialect: _adding(dialect) for dialect in _INSERT}


def _row(window: Window, hits: int) -> dict[str, Any]:
    return {
        "counter": window.counter,
        "key_hash": window.key_hash,
        "window_start": window.start,
        "hits": hits,
        "expires_at": window.end,
    }


async def hit(conn: AsyncConnection, window: Window, hits: int = 1) -> int:
    """Add ``hits`` to the window's count: its total after them, every worker's included."""
    made = await conn.execute(_ADDING[conn.dialect.name], _row(window, hits))
    return int(made.one().hits)


async def add_each(conn: AsyncConnection, added: Sequence[tuple[Window, int]]) -> dict[Window, int]:
    """Add to many windows at once (one statement per batch of rows): each one's total.
    The windows must differ from each other."""
    if not added:
        return {}
    # The same order in every worker, so two overlapping batches on PostgreSQL lock
    # their rows in the same order and never deadlock.
    ordered = sorted(added, key=lambda item: (item[0].counter, item[0].key_hash, item[0].start))
    by_id = {(w.counter, w.key_hash, w.start): w for w, _ in ordered}
    made = await conn.execute(_ADDING[conn.dialect.name], [_row(w, n) for w, n in ordered])
    return {by_id[(r.counter, r.key_hash, r.window_start)]: int(r.hits) for r in made}


async def forget_ended(conn: AsyncConnection, now_ms: int) -> int:
    """Delete the counters of windows that have ended: how many."""
    done = await conn.execute(sa.delete(rate_counters).where(rate_counters.c.expires_at <= now_ms))
    return int(done.rowcount or 0)
