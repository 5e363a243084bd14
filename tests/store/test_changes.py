"""The change counters: shared by the processes of one machine, advanced only once
a write has ended, and what a cache of reads trusts."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from grouplink.store.changes import TOKENS, Changes, group_slot, note_change
from grouplink.store.database import Database
from grouplink.store.read_cache import ReadCache


def _record_in_another_process(url: str, slot: int) -> None:
    program = (
        "import sqlalchemy as sa, sys\n"
        "from grouplink.store.changes import Changes\n"
        "Changes.of(sa.engine.make_url(sys.argv[1])).record([int(sys.argv[2])])\n"
    )
    subprocess.run([sys.executable, "-c", program, url, str(slot)], check=True)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///{tmp}/a.db",
        "postgresql+asyncpg://postgres@127.0.0.1:5432/grouplink_changes_test",
    ],
)
def test_a_change_recorded_by_another_process_is_seen_at_once(url: str, tmp_path: Path) -> None:
    url = url.format(tmp=tmp_path)  # (no PostgreSQL needed: the counters live in a file)
    here = Changes.of(sa.engine.make_url(url))
    slot = group_slot(12345)
    before, other = here.version(slot), here.version(group_slot(12346))
    _record_in_another_process(url, slot)
    assert here.version(slot) > before
    assert here.sequence() == here.version(slot)
    assert here.version(group_slot(12346)) == other  # other groups' entries stay good


def test_the_same_postgresql_database_spelled_differently_shares_its_counters() -> None:
    a = Changes.of(sa.engine.make_url("postgresql+asyncpg://postgres@127.0.0.1:5432/db_x"))
    b = Changes.of(sa.engine.make_url("postgresql://someone:secret@127.0.0.1/db_x?ssl=disable"))
    c = Changes.of(sa.engine.make_url("postgresql://postgres@127.0.0.1:5432/db_y"))
    assert a.path == b.path != c.path


def test_a_database_in_memory_keeps_its_counters_to_itself() -> None:
    a = Changes.of(sa.engine.make_url("sqlite+aiosqlite://"))
    b = Changes.of(sa.engine.make_url("sqlite+aiosqlite:///:memory:"))
    a.record([TOKENS])
    assert a.version(TOKENS) == 1 and b.version(TOKENS) == 0


def test_a_write_is_recorded_when_it_ends_not_before(tmp_path: Path) -> None:
    async def run() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/w.db")
        slot = group_slot(7)
        try:
            async with db.write() as conn:
                await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
                note_change(conn, slot)
                assert db.changes.version(slot) == 0  # a reader now would see the old rows
            assert db.changes.version(slot) == db.changes.sequence() > 0
            with pytest.raises(LookupError):
                async with db.write() as conn:
                    note_change(conn, TOKENS)
                    raise LookupError("the transaction fails")
            assert db.changes.version(TOKENS) > 0  # recorded even so: it costs only a miss
            async with db.read() as conn:
                with pytest.raises(RuntimeError):
                    note_change(conn, slot)  # a read cannot say it changed something
        finally:
            await db.dispose()

    asyncio.run(run())


def test_a_database_in_a_folder_not_made_yet_opens_and_records(tmp_path: Path) -> None:
    async def run() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/new/folder/g.db")  # as on a first start
        try:
            async with db.write() as conn:
                note_change(conn, TOKENS)
            assert db.changes.version(TOKENS) == 1
            assert (tmp_path / "new/folder/g.db.changes").exists()
        finally:
            await db.dispose()

    asyncio.run(run())


def _cache(changes: Changes, seconds: float = 60, **bounds: int) -> ReadCache[str]:
    return ReadCache(
        changes,
        seconds=seconds,
        max_entries=bounds.get("max_entries", 100),
        max_weight=bounds.get("max_weight", 1600),
    )


def test_an_entry_lives_until_its_slot_changes() -> None:
    changes = Changes(None)
    cache = _cache(changes)
    read_at = cache.reading()
    cache.keep("code", "row", group_slot(1), read_at)
    assert cache.get("code") == "row"
    changes.record([group_slot(2)])
    assert cache.get("code") == "row"
    changes.record([group_slot(1)])
    assert cache.get("code") is None


def test_rows_read_while_a_write_ended_are_not_kept() -> None:
    changes = Changes(None)
    cache = _cache(changes)
    read_at = cache.reading()
    changes.record([group_slot(1)])  # committed while the query ran: the rows may be old
    cache.keep("code", "old row", group_slot(1), read_at)
    assert cache.get("code") is None
    cache.keep("code", "new row", group_slot(1), cache.reading())
    assert cache.get("code") == "new row"


def test_an_entry_is_read_again_after_the_seconds_even_with_no_change_seen() -> None:
    # A change no process was told of (plain SQL) reaches no counter: time bounds it.
    now = [0.0]
    cache = ReadCache(Changes(None), seconds=5, max_entries=10, max_weight=0, clock=lambda: now[0])
    cache.keep("code", "row", TOKENS, cache.reading())
    now[0] = 2.4  # before half the seconds, no entry has gone
    assert cache.get("code") == "row"
    now[0] = 5.0
    assert cache.get("code") is None


def test_entries_kept_together_are_not_all_read_again_together() -> None:
    now = [0.0]
    cache = ReadCache(
        Changes(None), seconds=10, max_entries=1000, max_weight=0, clock=lambda: now[0]
    )
    for n in range(200):  # as a worker fills its cache right after it starts
        cache.keep(n, "row", TOKENS, cache.reading())

    def alive() -> int:  # an entry once gone stays gone
        return sum(cache.get(n) is not None for n in range(200))

    now[0] = 4.99
    assert alive() == 200  # none before half the seconds
    left = []
    for moment in (6.0, 7.0, 8.0, 9.0):
        now[0] = moment
        left.append(alive())
    # Spread over the second half: each step sees some go and some stay.
    assert 200 > left[0] > left[1] > left[2] > left[3] > 0, left
    now[0] = 10.0
    assert alive() == 0  # and none outlives the seconds


def test_zero_seconds_keeps_nothing() -> None:
    cache = _cache(Changes(None), seconds=0)
    cache.keep("code", "row", TOKENS, cache.reading())
    assert cache.get("code") is None


def test_the_least_recently_used_go_first_when_it_is_full() -> None:
    cache = _cache(Changes(None), max_entries=3, max_weight=1600)
    for key in "abc":
        cache.keep(key, key.upper(), TOKENS, cache.reading(), weight=10)
    assert cache.get("a") == "A"  # b is now the oldest
    cache.keep("d", "D", TOKENS, cache.reading())
    assert [cache.get(k) for k in "abcd"] == ["A", None, "C", "D"]
    cache.keep("e", "E", TOKENS, cache.reading(), weight=100)
    cache.keep("f", "F", TOKENS, cache.reading(), weight=100)
    cache.keep("huge", "H", TOKENS, cache.reading(), weight=101)  # over 1/16 of the bytes
    assert cache.get("huge") is None and cache.get("f") == "F"


def test_weight_bounds_the_whole_cache() -> None:
    cache = _cache(Changes(None), max_entries=100, max_weight=1600)
    for n in range(20):
        cache.keep(n, str(n), TOKENS, cache.reading(), weight=100)
    kept = [n for n in range(20) if cache.get(n) is not None]
    assert kept == list(range(4, 20))  # 16 x 100 bytes, the newest


def test_a_kept_miss_makes_no_second_read_and_only_its_lifetime_ends_it() -> None:
    now = [0.0]
    changes = Changes(None)
    cache: ReadCache[str] = ReadCache(
        changes, seconds=10, max_entries=100, max_weight=0, clock=lambda: now[0]
    )
    reads: list[str] = []

    async def look(key: str, keep_misses: bool) -> str | None:
        async def read() -> str | None:
            reads.append(key)
            return None

        return await cache.through(key, read, lambda _: TOKENS, keep_misses=keep_misses)

    async def run() -> None:
        assert await look("unknown code", True) is None
        assert await look("unknown code", True) is None
        assert reads == ["unknown code"]  # the second look was the kept miss
        changes.record([TOKENS, group_slot(1)])  # no change can make the row appear
        assert await look("unknown code", True) is None
        assert reads == ["unknown code"]
        now[0] = 10.0
        assert await look("unknown code", True) is None
        assert reads == ["unknown code"] * 2  # read again once its lifetime is over
        assert await look("new token", False) is None
        assert await look("new token", False) is None
        assert reads[2:] == ["new token"] * 2  # misses are not kept unless asked
        assert cache.get("unknown code") is None  # get() tells a kept miss as none

    asyncio.run(run())
