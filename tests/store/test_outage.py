"""What the store calls an outage (grouplink.store.outage), found with real failures:
PostgreSQL refused or cut off by a forwarder, an SQLite file locked by another
program or impossible to open. Other faults, an SQL error or an OSError of the
caller's own, stay what they are. And the pool: dead connections are dropped
without a round trip per request; a read is tried again once on a fresh one."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from grouplink.domain.errors import Unavailable
from grouplink.settings import normalize_database_url
from grouplink.store.changes import group_slot
from grouplink.store.database import Database
from grouplink.store.outage import ConnectionDropped, read_again_if_dropped
from grouplink.store.read_cache import STALE_IF_UNAVAILABLE_S, ReadCache
from tests.conftest import IN_CI, free_port
from tests.forwarder import Forwarder, forwarding

T = TypeVar("T")
SELECT_1 = sa.text("SELECT 1")
POSTGRES = sa.engine.make_url(
    normalize_database_url(
        os.environ.get(
            "GROUPLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        )
    )
)


def on(db: Database, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


async def select_1(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(SELECT_1)).scalar_one())


@pytest.fixture
def forwarder() -> Iterator[Forwarder]:
    try:
        on(Database(POSTGRES.render_as_string(hide_password=False)), select_1)
    except Unavailable:
        if IN_CI:
            raise
        pytest.skip("PostgreSQL is not reachable (set GROUPLINK_TEST_POSTGRES_URL); CI runs it")
    with forwarding(POSTGRES.port or 5432) as running:
        yield running


def forwarded(forwarder: Forwarder, pool_size: int = 1) -> Database:
    url = POSTGRES.set(host="127.0.0.1", port=forwarder.port)
    return Database(url.render_as_string(hide_password=False), pool_size=pool_size)


def test_postgresql_refusing_connections_is_unavailable_for_reads_and_writes() -> None:
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")

    async def work(db: Database) -> list[Unavailable]:
        found = []
        for attempt in (select_1(db), _write_1(db)):
            with pytest.raises(Unavailable) as raised:
                await attempt
            found.append(raised.value)
        return found

    for error in on(db, work):
        assert type(error) is Unavailable and error.status == 503 and error.code == 2
        assert "refused" in error.cause.lower(), error.cause


async def _write_1(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute(SELECT_1)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_faults_that_are_not_outages_stay_what_they_are(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/faults.db")
    else:
        db = forwarded(request.getfixturevalue("forwarder"))

    async def work(db: Database) -> None:
        with pytest.raises(sa.exc.DBAPIError) as raised:  # no such table, on either backend
            async with db.read() as conn:
                await conn.execute(sa.text("SELECT * FROM no_such_table"))
        assert not isinstance(raised.value, Unavailable)
        # An OSError raised by the caller's own work (a picture that does not decode
        # raises one) inside a transaction is not the database's.
        with pytest.raises(OSError, match="not an image"):
            async with db.write() as conn:
                await conn.execute(SELECT_1)
                raise OSError("not an image")
        assert await select_1(db) == 1

    on(db, work)


def test_an_sqlite_file_locked_by_another_program_past_the_busy_timeout_is_unavailable(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/locked.db"
    on(Database(url), select_1)  # made, in WAL mode
    other = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")

    async def work(db: Database) -> Unavailable:
        assert await select_1(db) == 1  # readers are not held up in WAL mode
        with pytest.raises(Unavailable) as raised:
            await _write_1(db)
        return raised.value

    try:
        locked = on(Database(url, busy_timeout_s=0.2), work)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "database is locked" in locked.cause
    on(Database(url), _write_1)  # and writes go through again


def test_an_sqlite_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/file/under/a/file.db")

    async def work(db: Database) -> Unavailable:
        before = set(threading.enumerate())
        with pytest.raises(Unavailable) as raised:
            await select_1(db)
        # aiosqlite ends the failed connection's thread in its own time, telling this
        # loop when it has: the loop must still run then.
        deadline = time.monotonic() + 10
        while set(threading.enumerate()) - before:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        return raised.value

    assert "unable to open database file" in on(db, work).cause


def test_a_pooled_connection_the_server_closed_is_dropped_at_checkout(
    forwarder: Forwarder,
) -> None:
    async def work(db: Database) -> None:
        ended = asyncio.Event()
        async with db.read() as conn:
            driver = await _driver(conn)
            driver.add_termination_listener(lambda _: ended.set())
        forwarder.cut()
        await asyncio.wait_for(ended.wait(), 10)  # the driver saw its connection go
        forwarder.restore()
        await _write_1(db)  # a write is never tried twice: the pool must not hand it a dead one
        assert forwarder.accepted == 2

    on(forwarded(forwarder), work)


async def _driver(conn: AsyncConnection) -> object:
    raw = await conn.get_raw_connection()
    return raw.driver_connection


def test_a_read_whose_connection_dies_under_it_is_read_again_on_a_fresh_one(
    forwarder: Forwarder,
) -> None:
    tries, cut_next = 0, True

    async def read(db: Database) -> int:
        nonlocal tries, cut_next
        tries += 1
        async with db.read() as conn:
            if cut_next:  # the connection dies after it was handed out
                cut_next = False
                forwarder.cut()
                forwarder.restore()
            return int((await conn.execute(SELECT_1)).scalar_one())

    async def work(db: Database) -> None:
        nonlocal cut_next
        with pytest.raises(ConnectionDropped):
            await read(db)  # a read by itself fails
        cut_next = True
        assert await read_again_if_dropped(lambda: read(db)) == 1  # read again, it works
        assert tries == 3

    on(forwarded(forwarder), work)


def test_the_pool_adds_no_round_trip_to_a_read(forwarder: Forwarder) -> None:
    """Unlike pool_pre_ping, which sends a statement of its own at every checkout."""
    reads = 20

    async def ours(db: Database) -> int:
        await select_1(db)
        before = forwarder.upstream_reads
        for _ in range(reads):
            await select_1(db)
        return forwarder.upstream_reads - before

    async def pre_pinged() -> int:
        url = POSTGRES.set(host="127.0.0.1", port=forwarder.port)
        engine = create_async_engine(url, pool_size=1, pool_pre_ping=True)
        try:
            async with engine.connect() as conn:
                await conn.execute(SELECT_1)
            before = forwarder.upstream_reads
            for _ in range(reads):
                async with engine.connect() as conn:
                    await conn.execute(SELECT_1)
            return forwarder.upstream_reads - before
        finally:
            await engine.dispose()

    assert on(forwarded(forwarder), ours) == reads  # one round trip each: the statement
    assert asyncio.run(pre_pinged()) >= 2 * reads  # (the measure sees a ping when there is one)


def test_while_the_database_is_away_the_cache_answers_with_what_it_read_last(
    forwarder: Forwarder,
) -> None:
    now = [1000.0]
    db = forwarded(forwarder)
    cache: ReadCache[int] = ReadCache(
        db.changes, seconds=1, max_entries=10, max_weight=10, clock=lambda: now[0]
    )
    slot = group_slot(987654321)

    async def through(key: str) -> int | None:
        return await cache.through(key, lambda: select_1(db), lambda _: slot)

    async def work(db: Database) -> None:
        listener = db.change_listener()  # as a server runs it: the cache keeps nothing without
        assert listener is not None
        listening = asyncio.create_task(listener.run())
        try:
            assert await listener.listening(seconds=10)
            await outage()
        finally:
            listener.stop()
            await listening

    async def outage() -> None:
        assert await through("kept") == 1
        now[0] += 2  # past its lifetime: it would be read again
        forwarder.cut()
        deadline = time.monotonic() + 10
        while db.changes.complete:  # the listener lost the database too: changes unheard
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert await through("kept") == 1  # from the cache, though stale
        with pytest.raises(Unavailable):
            await through("never read")
        now[0] += STALE_IF_UNAVAILABLE_S
        with pytest.raises(Unavailable):
            await through("kept")  # too old now, even for an outage
        now[0] -= STALE_IF_UNAVAILABLE_S
        db.changes.record([slot])
        with pytest.raises(Unavailable):
            await through("kept")  # a change this process heard of touched its rows

    on(db, work)
