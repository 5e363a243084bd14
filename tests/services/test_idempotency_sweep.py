"""Expired Idempotency-Keys are deleted: in bounded batches, by every server process's
sweeper, on the real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from grouplink.domain.idempotency import KEEP_MS, Answer
from grouplink.services.core import Core, now_ms
from grouplink.services.idempotency import Sweeper, sweep
from grouplink.store import idempotency as stored
from grouplink.store.migrate import migrate
from grouplink.store.tables import idempotency_keys
from tests.conftest import IN_CI, free_port
from tests.support import drop_postgres_database, make_business, postgres_test_url, with_core

ANSWER = Answer(200, [(b"content-type", b"application/json")], b"{}")


async def _keep(core: Core, business_id: str, key: str, age_ms: int) -> None:
    async with core.db.write() as conn:
        now = now_ms() - age_ms
        await stored.keep(conn, business_id, key, "f" * 64, ANSWER, now, replacing=False)


async def _keys(core: Core, business_id: str) -> list[str]:
    async with core.db.read() as conn:
        query = sa.select(idempotency_keys.c.key).where(
            idempotency_keys.c.business_id == business_id
        )
        return sorted(str(k) for k in (await conn.execute(query)).scalars())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: what a sweep deletes is this test's keys alone."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/sweep.db"
        with_core(url, lambda core: migrate(core.db))
        yield url
        return
    name = f"grouplink_sweep_{os.getpid()}_{free_port()}"
    pg_url = postgres_test_url(name, required=IN_CI)
    if pg_url is None:
        pytest.skip("PostgreSQL is not reachable; CI runs it")
    yield pg_url
    drop_postgres_database(name)


def test_a_sweep_deletes_expired_keys_oldest_first_in_bounded_batches(database_url: str) -> None:
    business_id = make_business(database_url, "").business_id

    async def work(core: Core) -> tuple[int, list[str], int, list[str]]:
        for n in range(5):
            await _keep(core, business_id, f"old-{n}", KEEP_MS + (5 - n) * 1000)
        await _keep(core, business_id, "fresh", KEEP_MS - 60_000)
        first = await sweep(core, batch=2, batches=2)
        after_first = await _keys(core, business_id)
        second = await sweep(core, batch=2, batches=2)
        return first, after_first, second, await _keys(core, business_id)

    first, after_first, second, after_second = with_core(database_url, work)
    assert first == 4  # two batches of two: the rest waits for the next round
    assert after_first == ["fresh", "old-4"]  # the youngest of the expired ones is left
    assert (second, after_second) == (1, ["fresh"])


def test_the_sweeper_runs_at_start_and_again(database_url: str) -> None:
    business_id = make_business(database_url, "").business_id

    async def work(core: Core) -> list[str]:
        await _keep(core, business_id, "old", KEEP_MS + 1000)
        sweeper = Sweeper(core, every_s=0.05)
        running = asyncio.create_task(sweeper.run())
        try:
            await _until_swept(core, business_id)
            await _keep(core, business_id, "later", KEEP_MS + 1000)  # swept next round
            await _until_swept(core, business_id)
        finally:
            sweeper.stop()
            await running
        return await _keys(core, business_id)

    assert with_core(database_url, work) == []


async def _until_swept(core: Core, business_id: str, timeout_s: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while await _keys(core, business_id):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the sweeper left an expired key")
        await asyncio.sleep(0.02)
