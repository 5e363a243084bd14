"""Statements sent straight to the database driver, a whole use case per transaction.

The hot writes (joining, asking, deciding, resetting, removing) are written once, as
plain functions of a :class:`Tx` (see :mod:`grouplink.store.arrivals`), and run on
either backend by :meth:`grouplink.store.database.Database.run`:

- on SQLite the whole function runs in the connection's own thread (aiosqlite's), on
  the stdlib ``sqlite3`` connection: one hop from the event loop for the use case,
  not one per statement, and no SQLAlchemy between the function and the driver;
- on PostgreSQL it runs in a greenlet whose statements go to asyncpg, prepared once
  per connection (asyncpg's statement cache). Writes whose answer the function does
  not read (:meth:`Tx.run`) wait and leave together, as one data-modifying CTE,
  just before the next read or the COMMIT: a join writes its six rows in one round trip.

The statements are written in SQL both backends speak, with ``:name`` parameters;
a :class:`Statement` numbers them ``$1, $2, ...`` for asyncpg once, when it is made.
"""

from __future__ import annotations

import fcntl
import json
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, Protocol, TypeVar

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.util import await_only

from grouplink.store import committed
from grouplink.store.changes import Noted
from grouplink.store.notifications import CHANNEL, payload

T = TypeVar("T")
_NAME = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
_NUMBER = re.compile(r"\$(\d+)")
_WRITTEN = re.compile(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", re.IGNORECASE)


_SQLITE = sqlite.dialect(paramstyle="named")
_POSTGRES = postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call]


class Record(dict[str, Any]):
    """A row: its columns by name, as keys or as attributes (``row.pk``)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Statement:
    """One SQL text with ``:name`` parameters, ready for both drivers. ``postgres``:
    the text PostgreSQL gets where the two must differ (a lock, a NOTIFY)."""

    __slots__ = ("defaults", "locks_rows", "names", "postgres", "sqlite", "table")

    def __init__(
        self, sql: str, postgres: str | None = None, defaults: Mapping[str, Any] | None = None
    ) -> None:
        self.sqlite = sql
        self.defaults = dict(defaults or {})  # values the statement brings with it
        written = _WRITTEN.match(sql)
        self.table = written[2] if written else None  # the table a write changes
        # Whether it may lock rows that exist (all but an INSERT of new rows only).
        self.locks_rows = not (
            written is not None
            and written[1].upper() == "INSERT INTO"
            and "ON CONFLICT" not in sql.upper()
        )
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match[1] not in names:
                names.append(match[1])
            return f"${names.index(match[1]) + 1}"

        self.postgres = _NAME.sub(number, postgres or sql)
        self.names = tuple(names)

    @classmethod
    def of(cls, construct: sa.ClauseElement) -> Statement:
        """A statement SQLAlchemy builds (and its cold paths run too), compiled once for
        each backend; the values built into it come along as :attr:`defaults`."""
        on_sqlite = construct.compile(dialect=_SQLITE)
        on_postgres = construct.compile(dialect=_POSTGRES)
        defaults = {
            name: value.value if isinstance(value, Enum) else value
            for name, value in on_sqlite.params.items()
            if value is not None
        }
        return cls(str(on_sqlite), str(on_postgres), defaults)


class Tx(Protocol):
    """An open transaction, as a use case's statements see it."""

    @property
    def postgres(self) -> bool: ...

    def rows(self, statement: Statement, **params: Any) -> list[Record]: ...

    def row(self, statement: Statement, **params: Any) -> Record | None: ...

    def run(self, statement: Statement, **params: Any) -> None:
        """A write whose answer is not needed (on PostgreSQL it may leave later)."""

    def array(self, values: Sequence[str] | Sequence[int]) -> Any:
        """``values`` as one parameter: an array on PostgreSQL, JSON text for SQLite's
        ``json_each`` (a statement names them ``IN (SELECT value FROM json_each(:p))``
        there and ``= ANY(:p::text[])`` on PostgreSQL)."""

    def changed(self, slot: int, *, announced: bool = False) -> None:
        """What ``slot`` of :mod:`grouplink.store.changes` covers changes if this commits."""

    def did(self, action: str, detail: Mapping[str, Any]) -> None:
        """Tell :mod:`grouplink.store.committed`'s listeners, once this commits."""


class _Noting:
    """What both drivers' transactions share: the notes, and a row as the first of rows."""

    def __init__(self, noted: Noted, notes: committed.Notes) -> None:
        self.noted, self.notes = noted, notes

    def rows(self, statement: Statement, **params: Any) -> list[Record]:
        raise NotImplementedError

    def row(self, statement: Statement, **params: Any) -> Record | None:
        found = self.rows(statement, **params)
        return found[0] if found else None

    def changed(self, slot: int, *, announced: bool = False) -> None:
        self.noted.slots.add(slot)
        if announced:
            self.noted.announced.add(slot)

    def did(self, action: str, detail: Mapping[str, Any]) -> None:
        self.notes.items.append((action, detail))


class SqliteTx(_Noting):
    """Statements on the stdlib connection, in its own thread."""

    postgres = False

    def __init__(self, conn: sqlite3.Connection, noted: Noted, notes: committed.Notes) -> None:
        super().__init__(noted, notes)
        self._conn = conn

    def rows(self, statement: Statement, **params: Any) -> list[Record]:
        cursor = self._conn.execute(statement.sqlite, {**statement.defaults, **params})
        names = [column[0] for column in cursor.description]
        return [Record(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def run(self, statement: Statement, **params: Any) -> None:
        self._conn.execute(statement.sqlite, {**statement.defaults, **params})

    def array(self, values: Sequence[str] | Sequence[int]) -> Any:
        return json.dumps(list(values))


class PostgresTx(_Noting):
    """Statements on the asyncpg connection, from a greenlet (``await_only``)."""

    postgres = True

    def __init__(self, conn: asyncpg.Connection, noted: Noted, notes: committed.Notes) -> None:
        super().__init__(noted, notes)
        self._conn = conn
        self._waiting: list[tuple[Statement, list[Any]]] = []

    def rows(self, statement: Statement, **params: Any) -> list[Record]:
        self.send()
        found = await_only(self._conn.fetch(statement.postgres, *_values(statement, params)))
        return [Record(record.items()) for record in found]

    def array(self, values: Sequence[str] | Sequence[int]) -> Any:
        return list(values)

    def run(self, statement: Statement, **params: Any) -> None:
        # The CTEs of one statement see one snapshot, run in no set order (rows two of
        # them insert into one table get keys in either order: the audit log and the
        # outbox would lose their order), and two of them changing one row leave one
        # change of the two: a write to a table a waiting write writes goes in the next.
        # And the CTEs take their row locks in no set order either: two writes that may
        # lock rows that exist never wait together, so that every use case locks them in
        # the order it writes them (another transaction taking the same rows in the same
        # order then waits instead of deadlocking: the opens' flush grows a link's
        # figures, as a join does, without its group's lock).
        if any(
            waiting.table == statement.table or (waiting.locks_rows and statement.locks_rows)
            for waiting, _ in self._waiting
        ):
            self.send()
        self._waiting.append((statement, _values(statement, params)))

    def send(self, notify: str | None = None) -> None:
        """The writes waiting, in one statement, each a CTE of its own with its
        parameters numbered on; and ``notify``'s NOTIFY (a payload of
        :mod:`grouplink.store.notifications`) as its last column."""
        waiting, self._waiting = self._waiting, []
        if not waiting and notify is None:
            return
        if len(waiting) == 1 and notify is None:
            statement, values = waiting[0]
            await_only(self._conn.execute(statement.postgres, *values))
            return
        parts, values = [], []
        for n, (statement, own) in enumerate(waiting):
            sql = _NUMBER.sub(_shifted(len(values)), statement.postgres)
            parts.append(f"w{n} AS ({sql})")
            values += own
        last = "SELECT 1"
        if notify is not None:
            values.append(notify)
            last = f"SELECT pg_notify('{CHANNEL}', ${len(values)})"
        # Each data-modifying CTE runs once, whether or not anything reads it.
        with_ = f"WITH {', '.join(parts)} " if parts else ""
        await_only(self._conn.execute(with_ + last, *values))


def _shifted(by: int) -> Callable[[re.Match[str]], str]:
    return lambda match: f"${int(match[1]) + by}"


def _values(statement: Statement, params: Mapping[str, Any]) -> list[Any]:
    given = {**statement.defaults, **params} if statement.defaults else params
    return [given[name] for name in statement.names]


def in_sqlite_thread(
    conn: sqlite3.Connection,
    flow: Callable[[Tx], T],
    noted: Noted,
    notes: committed.Notes,
    *,
    own: bool,
    lock_fd: int | None = None,
) -> T:
    """Run ``flow`` in the thread that owns ``conn``, so that the whole use case costs
    the event loop one hop: in a transaction of its ``own`` (BEGIN IMMEDIATE), or inside
    the caller's. ``lock_fd``: the machine's write lock (an ``flock``), taken here
    around the transaction, so that it is held only while the database works."""
    if not own:
        return flow(SqliteTx(conn, noted, notes))
    if lock_fd is not None:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = flow(SqliteTx(conn, noted, notes))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result
    finally:
        if lock_fd is not None:
            fcntl.flock(lock_fd, fcntl.LOCK_UN)


def on_postgres(
    conn: asyncpg.Connection,
    flow: Callable[[Tx], T],
    noted: Noted,
    notes: committed.Notes,
    *,
    own: bool,
) -> T:
    """Run ``flow`` in a greenlet, inside the caller's transaction, and send its last
    writes; in a transaction of its ``own``, with the NOTIFY of what no statement
    announced (a shared write announces all of it when it commits)."""
    tx = PostgresTx(conn, noted, notes)
    result = flow(tx)
    tx.send(payload(noted.unannounced) if own and noted.unannounced else None)
    return result
