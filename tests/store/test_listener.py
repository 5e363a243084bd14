"""The change listener on PostgreSQL: a committed write is heard, a rolled-back one is
not, a write pays at most one statement for it, and a lost connection turns the
read cache off until the listener listens again (then everything is stale)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine
from structlog.testing import capture_logs

from grouplink.domain.groups import JoinApprovalMode
from grouplink.services import businesses, groups
from grouplink.services.core import Actor, Core
from grouplink.settings import normalize_database_url
from grouplink.store import queries
from grouplink.store.changes import EVERY_SLOT, TOKENS, Changes, group_slot, note_change
from grouplink.store.database import Database
from grouplink.store.listener import APPLICATION_NAME, ChangeListener
from grouplink.store.read_cache import ReadCache
from tests.conftest import IN_CI, free_port
from tests.forwarder import Forwarder
from tests.support import drop_postgres_database, postgres_test_url

DEADLINE = 5.0  # seconds; a notification takes milliseconds


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A database of its own: the only listener on it is the test's."""
    name = f"grouplink_listener_{os.getpid()}_{free_port()}"
    url = postgres_test_url(name, required=IN_CI)
    if url is None:
        pytest.skip("PostgreSQL is not reachable (set GROUPLINK_TEST_POSTGRES_URL); CI runs it")
    yield normalize_database_url(url)
    drop_postgres_database(name)


async def until(condition: Callable[[], bool], what: str) -> float:
    """Seconds until ``condition`` holds; fails past the deadline."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > DEADLINE:
            raise AssertionError(f"not within {DEADLINE:g} s: {what}")
        await asyncio.sleep(0.005)
    return time.monotonic() - start


@asynccontextmanager
async def listening(url: str, **timing: float) -> AsyncIterator[tuple[Changes, ChangeListener]]:
    """A listener, as another machine's process has, recording into counters of its own."""
    heard = Changes(None, listened=True)
    engine = create_async_engine(url)
    listener = ChangeListener(engine, heard, **timing)
    task = asyncio.create_task(listener.run())
    try:
        assert await listener.listening(seconds=DEADLINE)
        yield heard, listener
    finally:
        listener.stop()
        await task
        await engine.dispose()


@asynccontextmanager
async def writer(url: str) -> AsyncIterator[tuple[Core, str, list[str]]]:
    """An engine with a business and two groups, on this machine."""
    core = Core(db=Database(url, pool_size=1), link_base="")
    try:
        made = await businesses.create_business(core, "Listener test")
        actor = Actor.business(made.business_id)
        ids = [
            (
                await groups.create_group(
                    core, made.business_id, made.phone_number_id, "G", "", mode, actor
                )
            ).group_id
            for mode in (JoinApprovalMode.AUTO_APPROVE, JoinApprovalMode.AUTO_APPROVE)
        ]
        yield core, made.business_id, ids
    finally:
        await core.db.dispose()


async def lock(core: Core, business_id: str, group_id: str) -> int:
    """A committed write that locks the group (and so announces it): its slot."""
    async with core.db.write() as conn:
        group = await queries.find_group(conn, business_id, group_id, lock=True)
        assert group is not None
    return group_slot(group.pk)


def test_a_committed_change_is_heard_and_a_rolled_back_one_is_not(pg_url: str) -> None:
    async def run() -> None:
        async with listening(pg_url) as (heard, _), writer(pg_url) as (core, business, ids):
            seen = heard.sequence()  # before the write: it may be heard before lock() returns
            marker = await lock(core, business, ids[1])
            await until(lambda: heard.version(marker) > seen, "the marker write heard")
            kept = {slot: heard.version(slot) for slot in EVERY_SLOT}

            with pytest.raises(LookupError):
                async with core.db.write() as conn:
                    found = await queries.find_group(conn, business, ids[0], lock=True)
                    assert found is not None
                    note_change(conn, TOKENS)
                    raise LookupError("the transaction rolls back")
            assert found is not None and group_slot(found.pk) != marker

            # Delivered in commit order: once the next commit is heard, nothing came before.
            seen = heard.sequence()
            await lock(core, business, ids[1])
            await until(lambda: heard.version(marker) > seen, "the second marker heard")
            changed = [slot for slot in EVERY_SLOT if heard.version(slot) != kept[slot]]
            assert changed == [marker]

            # The same two changes committed are heard, each on its own slot.
            async with core.db.write() as conn:
                await queries.find_group(conn, business, ids[0], lock=True)
                note_change(conn, TOKENS)
            group_heard = await until(
                lambda: heard.version(group_slot(found.pk)) > kept[group_slot(found.pk)],
                "the committed change heard",
            )
            assert heard.version(TOKENS) > kept[TOKENS]
            print(f"heard {group_heard * 1000:.1f} ms after the commit")

    asyncio.run(run())


def test_a_write_pays_at_most_one_statement_to_announce_what_it_changed(pg_url: str) -> None:
    async def run() -> None:
        async with listening(pg_url) as (heard, _), writer(pg_url) as (core, business, ids):
            statements: list[str] = []

            def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                statements.append(statement)

            event.listen(core.db.engine.sync_engine, "before_cursor_execute", count)

            async def measured(write: Callable[[], Awaitable[object]]) -> list[str]:
                statements.clear()
                await write()
                return [s.split()[0] + (" pg_notify" * ("pg_notify" in s)) for s in statements]

            # Locking a group to change it announces it in the lock's own statement.
            slot = group_slot(await _pk(core, ids[0]))
            before = heard.version(slot)
            assert await measured(lambda: lock(core, business, ids[0])) == ["SELECT pg_notify"]
            await until(lambda: heard.version(slot) > before, "the lock's announcement heard")

            # A change no statement announced: one SELECT pg_notify(...) before COMMIT.
            before = heard.version(TOKENS)
            revoke = measured(lambda: businesses.revoke_token(core, "no such token"))
            assert await revoke == ["UPDATE", "SELECT pg_notify"]
            await until(lambda: heard.version(TOKENS) > before, "the revoke's announcement heard")

            # A write that changes nothing cached announces nothing.
            uncached = measured(lambda: businesses.create_business(core, "Quiet"))
            assert not any("pg_notify" in s for s in await uncached)

    asyncio.run(run())


async def _pk(core: Core, group_id: str) -> int:
    async with core.db.read() as conn:
        query = sa.text("SELECT pk FROM groups WHERE id = :id")
        return int((await conn.execute(query, {"id": group_id})).scalar_one())


def _cache(changes: Changes) -> ReadCache[str]:
    return ReadCache(changes, seconds=600, max_entries=100, max_weight=0)


def test_a_listener_cut_off_turns_the_cache_off_until_it_listens_again(pg_url: str) -> None:
    async def run() -> None:
        async with listening(pg_url, retry_seconds=0.05) as (heard, listener):
            cache = _cache(heard)
            for key in ("checked while cut off", "checked once back"):
                cache.keep(key, "row", TOKENS, cache.reading())
            assert cache.get("checked once back") == "row"

            with capture_logs() as logs:
                await _terminate_listeners(pg_url)
                await until(lambda: not heard.complete, "the loss noticed")
                assert cache.get("checked while cut off") is None
                cache.keep("kept while cut off", "row", TOKENS, cache.reading())
                assert cache.get("kept while cut off") is None

                assert await listener.listening(seconds=DEADLINE)
            # Whatever was kept before may have changed unheard: all of it is stale.
            assert cache.get("checked once back") is None
            cache.keep("kept once back", "row", TOKENS, cache.reading())
            assert cache.get("kept once back") == "row"
            assert [entry["event"] for entry in logs] == [
                "lost the change notifications: cached reads are off until they are back",
                "change notifications back: cached reads are on again",
            ]

    asyncio.run(run())


def test_a_connection_that_goes_silent_is_noticed_by_the_ping(pg_url: str) -> None:
    async def run() -> None:
        url = sa.engine.make_url(pg_url)
        forwarder = Forwarder(url.host or "127.0.0.1", url.port or 5432).start()
        through_relay = url.set(port=forwarder.port).render_as_string(hide_password=False)
        try:
            timing = {"ping_seconds": 0.05, "ping_timeout": 0.3, "retry_seconds": 0.05}
            async with listening(through_relay, **timing) as (heard, listener):
                forwarder.freeze()  # a network cut: no error, no end of stream
                await until(lambda: not heard.complete, "the silence noticed")
                assert await listener.listening(seconds=DEADLINE)  # on a new connection
                async with writer(pg_url) as (core, business, ids):
                    slot = group_slot(await _pk(core, ids[0]))
                    before = heard.version(slot)
                    await lock(core, business, ids[0])
                    await until(lambda: heard.version(slot) > before, "a change heard again")
        finally:
            forwarder.close()

    asyncio.run(run())


async def _terminate_listeners(url: str) -> None:
    """End the listener's server process, as a restart of PostgreSQL or a failover does."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            ended = await conn.scalar(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            )
        assert ended == 1
    finally:
        await engine.dispose()
