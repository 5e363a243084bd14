"""SQLite's writer thread (grouplink.store.sqlite_writer), on a real file: use cases of
several processes and the SQLAlchemy writes beside them take turns through the
machine's write lock, none is lost and none waits in SQLite's busy handler; and the
thread ends with its Database."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import sqlalchemy as sa

from grouplink.store.database import Database
from grouplink.store.driver import Statement, Tx

MAKE = Statement("CREATE TABLE tally (pk INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
START = Statement("INSERT INTO tally (pk, n) VALUES (1, 0)")
READ = Statement("SELECT n FROM tally WHERE pk = 1")
WRITE = Statement("UPDATE tally SET n = :n WHERE pk = 1")


def bump(tx: Tx) -> int:
    """Read, then write what was read plus one: a lost update if two overlap."""
    found = tx.row(READ)
    assert found is not None
    tx.run(WRITE, n=found.n + 1)
    return int(found.n) + 1


async def bump_through_sqlalchemy(db: Database) -> None:
    async with db.write() as conn:
        n = (await conn.execute(sa.text(READ.sqlite))).scalar_one()
        await asyncio.sleep(0)  # other writers get the event loop meanwhile
        await conn.execute(sa.text(WRITE.sqlite), {"n": n + 1})


def test_writers_of_two_processes_and_of_sqlalchemy_take_turns_and_lose_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/writer.db"

    async def work() -> int:
        # Two Databases on one file are two workers' (each has its own writer thread).
        # A busy timeout this short would fail writers that met in SQLite's busy handler.
        first, second = (Database(url, busy_timeout_s=0.05) for _ in range(2))
        try:
            await first.run(lambda tx: (tx.run(MAKE), tx.run(START)))
            inside = asyncio.Event()

            async def slow_write() -> None:  # holds the lock far past the busy timeout
                async with first.write() as conn:
                    await conn.execute(sa.text("UPDATE tally SET n = n + 1 WHERE pk = 1"))
                    inside.set()
                    await asyncio.sleep(0.5)

            slow = asyncio.create_task(slow_write())
            await inside.wait()
            bumps = [db.run(bump) for db in (first, second) for _ in range(60)]
            bumps += [bump_through_sqlalchemy(db) for db in (first, second) for _ in range(20)]
            await asyncio.gather(slow, *bumps)
            found = await second.run(lambda tx: tx.row(READ))
            assert found is not None
            return int(found.n)
        finally:
            await first.dispose()
            await second.dispose()

    assert asyncio.run(work()) == 1 + 2 * 60 + 2 * 20


def test_a_use_case_waits_for_a_sqlalchemy_write_of_its_process_and_sees_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/writer.db"

    async def work() -> tuple[int, int]:
        db = Database(url)
        try:
            await db.run(lambda tx: (tx.run(MAKE), tx.run(START)))
            inside, release = asyncio.Event(), asyncio.Event()

            async def holding() -> None:
                async with db.write() as conn:
                    await conn.execute(sa.text(WRITE.sqlite), {"n": 10})
                    inside.set()
                    await release.wait()

            held = asyncio.create_task(holding())
            await inside.wait()
            bumped = asyncio.create_task(db.run(bump))
            release.set()
            await held
            answer = await bumped
            found = await db.run(lambda tx: tx.row(READ))
            assert found is not None
            return answer, int(found.n)
        finally:
            await db.dispose()

    # The use case read the committed 10, never the 0 from before the write.
    assert asyncio.run(work()) == (11, 11)


def test_the_writer_thread_ends_with_its_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/writer.db"

    def writers() -> int:
        return sum(t.name == "grouplink-sqlite-writer" for t in threading.enumerate())

    async def work() -> tuple[int, int]:
        before = writers()
        db = Database(url)
        await db.run(lambda tx: (tx.run(MAKE), tx.run(START)))
        during = writers() - before
        await db.dispose()
        return during, writers() - before

    assert asyncio.run(work()) == (1, 0)
