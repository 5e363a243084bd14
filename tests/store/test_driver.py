"""Use cases run on the driver (grouplink.store.driver, Database.run), on a real SQLite
file and a real PostgreSQL: all of a use case or none of it, its writes in order
even when PostgreSQL gets them in one statement, its changes recorded only once it
commits, and a SAVEPOINT of its own inside a shared write."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from grouplink.domain.errors import Unavailable
from grouplink.store.changes import group_slot
from grouplink.store.database import Database
from grouplink.store.driver import Statement, Tx
from tests.support import drop_postgres_database, postgres_test_url

T = TypeVar("T")

MAKE = Statement("CREATE TABLE notes (pk INTEGER PRIMARY KEY, word TEXT NOT NULL, n INTEGER)")
ADD = Statement("INSERT INTO notes (pk, word, n) VALUES (:pk, :word, 0)")
GROW = Statement("UPDATE notes SET n = n + :by WHERE pk = :pk")
ALL = Statement("SELECT pk, word, n FROM notes ORDER BY pk")
IN_ORDER = Statement("INSERT INTO log (word) VALUES (:word)")
LOG = Statement("SELECT word FROM log ORDER BY pk")


class Refused(Exception):
    """A rule said no, after the use case had written."""


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/driver.db"
        return
    name = f"grouplink_driver_{request.node.name.split('[')[0][-20:]}"
    url = postgres_test_url(name, required=True)
    assert url is not None
    try:
        yield url
    finally:
        drop_postgres_database(name)


def on(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(url)
        try:
            serial = "BIGSERIAL" if not db.is_sqlite else "INTEGER"
            log = Statement(f"CREATE TABLE log (pk {serial} PRIMARY KEY, word TEXT)")
            await db.run(lambda tx: (tx.run(MAKE), tx.run(log)))
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def rows(tx: Tx) -> list[tuple[int, str, int]]:
    return [(r.pk, r.word, r.n) for r in tx.rows(ALL)]


def test_a_use_case_commits_all_of_its_writes_or_none(db_url: str) -> None:
    def refused(tx: Tx) -> None:
        tx.run(ADD, pk=1, word="kept?")
        assert rows(tx) == [(1, "kept?", 0)]  # its own writes, seen before it ends
        tx.run(GROW, pk=1, by=5)
        raise Refused

    def accepted(tx: Tx) -> int:
        tx.run(ADD, pk=2, word="kept")
        tx.run(GROW, pk=2, by=3)
        return 7

    async def work(db: Database) -> list[tuple[int, str, int]]:
        with pytest.raises(Refused):
            await db.run(refused)
        assert await db.run(accepted) == 7
        return await db.run(rows)

    assert on(db_url, work) == [(2, "kept", 3)]


def test_writes_to_one_row_or_one_table_all_land_in_the_order_made(db_url: str) -> None:
    # On PostgreSQL blind writes leave together as one statement of CTEs, which see one
    # snapshot and run in no set order: these must still all apply, in order.
    def many(tx: Tx) -> None:
        tx.run(ADD, pk=1, word="a")
        for by in (1, 10, 100):
            tx.run(GROW, pk=1, by=by)
            tx.run(IN_ORDER, word=f"grew {by}")
        tx.run(ADD, pk=2, word="b")
        tx.run(IN_ORDER, word="last")

    async def work(db: Database) -> tuple[list[tuple[int, str, int]], list[str]]:
        await db.run(many)
        return await db.run(rows), [r.word for r in await db.run(lambda tx: tx.rows(LOG))]

    assert on(db_url, work) == (
        [(1, "a", 111), (2, "b", 0)],
        ["grew 1", "grew 10", "grew 100", "last"],
    )


def test_lists_reach_both_drivers_as_one_parameter(db_url: str) -> None:
    some = Statement(
        "SELECT word FROM notes WHERE word IN (SELECT value FROM json_each(:words)) ORDER BY pk",
        postgres="SELECT word FROM notes WHERE word = ANY(:words::text[]) ORDER BY pk",
    )

    def pick(tx: Tx) -> list[str]:
        for pk, word in enumerate(["a", "it's", "c", "d"]):
            tx.run(ADD, pk=pk, word=word)
        return [r.word for r in tx.rows(some, words=tx.array(["it's", "d", "nope"]))]

    assert on(db_url, lambda db: db.run(pick)) == ["it's", "d"]


def test_changes_are_recorded_once_the_use_case_ends_and_told_only_if_it_commits(
    db_url: str,
) -> None:
    slot = group_slot(42)

    async def work(db: Database) -> list[bool]:
        seen = []
        before = db.changes.version(slot)

        def noting(tx: Tx) -> None:
            tx.changed(slot)
            seen.append(db.changes.version(slot) == before)  # not yet, while it runs
            tx.did("note.add", {"pk": 1})

        await db.run(noting)
        seen.append(db.changes.version(slot) > before)
        return seen

    assert on(db_url, work) == [True, True]


def test_inside_a_shared_write_a_failing_use_case_undoes_only_itself(db_url: str) -> None:
    async def nothing(_conn: object) -> None:
        return None

    def second(tx: Tx) -> None:
        tx.run(ADD, pk=2, word="undone")
        raise Refused

    async def work(db: Database) -> list[tuple[int, str, int]]:
        async with db.shared_write(nothing) as shared:
            await db.run(lambda tx: tx.run(ADD, pk=1, word="first"))
            with pytest.raises(Refused):
                await db.run(second)
            await db.run(lambda tx: tx.run(GROW, pk=1, by=1))
            await shared.commit()
        return await db.run(rows)

    assert on(db_url, work) == [(1, "first", 1)]


def test_an_sqlite_file_locked_past_the_busy_timeout_is_unavailable_to_a_use_case(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/driver.db"
    on(url, lambda db: db.run(lambda tx: tx.run(ADD, pk=1, word="a")))
    other = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")

    async def work() -> Unavailable:
        db = Database(url, busy_timeout_s=0.2)
        try:
            with pytest.raises(Unavailable) as raised:
                await db.run(lambda tx: tx.run(GROW, pk=1, by=1))
            return raised.value
        finally:
            await db.dispose()

    try:
        locked = asyncio.run(work())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "database is locked" in locked.cause
