"""The NOTIFY that tells every process on PostgreSQL, on any machine, which slots
of :mod:`grouplink.store.changes` a write changed.

PostgreSQL queues a NOTIFY with the transaction and delivers it to the listeners
only when that commits, so a rolled-back write tells nobody. A write sends it in
a statement it already makes where it can: the statements that lock a group to
change it carry :func:`announce_group` among their columns. What no statement
announced goes in one ``SELECT pg_notify(...)`` just before COMMIT
(:func:`announce`). Several identical NOTIFYs in one transaction reach a
listener once.

The payload is the slots, comma-separated, or ``*`` for all of them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from grouplink.store.changes import EVERY_SLOT, group_slot_in_sql

CHANNEL = "grouplink_changes"
EVERYTHING = "*"
_LONGEST_PAYLOAD = 7_000  # PostgreSQL refuses 8,000 bytes or more


def payload(slots: Collection[int]) -> str:
    text = ",".join(map(str, sorted(slots)))
    return text if len(text) <= _LONGEST_PAYLOAD else EVERYTHING


def slots_in(text: str) -> Sequence[int]:
    """The slots a payload names; every slot for ``*`` or for anything unreadable
    (anyone who may connect may NOTIFY: what they send can only cost cache misses)."""
    if text != EVERYTHING:
        try:
            slots = [int(part) for part in text.split(",")]
        except ValueError:
            return EVERY_SLOT
        if all(slot in EVERY_SLOT for slot in slots):
            return slots
    return EVERY_SLOT


async def announce(conn: AsyncConnection, slots: Collection[int]) -> None:
    await conn.execute(_ANNOUNCE, {"payload": payload(slots)})


_ANNOUNCE = sa.select(sa.func.pg_notify(CHANNEL, sa.bindparam("payload", type_=sa.Text)))


class announce_group(FunctionElement[Any]):  # (named like the SQL functions)
    """A column that, on PostgreSQL, announces the slot of the group whose primary key
    it is given (its value is of no use); NULL elsewhere. Put it in the statement
    that locks the group to change it."""

    name = "announce_group"
    inherit_cache = True
    type = sa.types.NullType()


@compiles(announce_group)
def _elsewhere(element: announce_group, compiler: SQLCompiler, **kw: Any) -> str:
    return "NULL"


@compiles(announce_group, "postgresql")
def _on_postgresql(element: announce_group, compiler: SQLCompiler, **kw: Any) -> str:
    (pk,) = element.clauses
    slot = sa.cast(group_slot_in_sql(pk), sa.Text)
    return compiler.process(sa.func.pg_notify(sa.literal_column(f"'{CHANNEL}'"), slot), **kw)
