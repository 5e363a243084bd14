"""Shared rate limits on a real database, both backends: several throttles stand for
several workers (each is what one worker process keeps), over one database."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable

import pytest
import sqlalchemy as sa

from grouplink.domain.errors import RateLimited
from grouplink.domain.limits import Hit, key_hash
from grouplink.services.core import Core
from grouplink.services.throttle import Throttle
from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.migrate import migrate
from grouplink.store.tables import rate_counters, signin_guesses

NOW = 1_800_000_000_000 + 1_000  # a second into a minute: no window ends during a test


def run(url: str, work: Callable[[Core], Awaitable[None]], clock: int = NOW) -> None:
    async def go() -> None:
        db = Database(normalize_database_url(url), pool_size=8)
        try:
            await migrate(db)
            core = Core(db=db, link_base="", clock=lambda: clock)
            await core.load_secret()
            await work(core)
        finally:
            await db.dispose()

    asyncio.run(go())


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, database_urls: dict[str, str | None]) -> str:
    found = database_urls[request.param]
    if found is None:
        pytest.skip("PostgreSQL is not reachable; CI runs it")
    return found


async def hits_of(core: Core, counter: str, key: str) -> list[int]:
    async with core.db.read() as conn:
        query = sa.select(rate_counters.c.hits).where(
            rate_counters.c.counter == counter,
            rate_counters.c.key_hash == key_hash(core.secret, key),
        )
        return list((await conn.scalars(query)).all())


def test_concurrent_hits_from_two_workers_let_exactly_the_limit_through(url: str) -> None:
    async def work(core: Core) -> None:
        workers = [Throttle(core), Throttle(core)]
        hit = Hit("7/minute", "test-exact", secrets.token_hex(8))
        answers = await asyncio.gather(*(workers[n % 2].allow(hit) for n in range(30)))
        assert answers.count(True) == 7
        assert await hits_of(core, "test-exact/7/60s", hit.key) == [30]  # refused ones too

    run(url, work)


def test_a_refused_hit_does_not_count_against_the_next_rate(url: str) -> None:
    async def work(core: Core) -> None:
        throttle = Throttle(core)
        address = Hit("2/minute", "test-address", secrets.token_hex(8))
        number = Hit("100/minute", "test-number", secrets.token_hex(8))
        answers = [await throttle.allow(address, number) for _ in range(4)]
        assert answers == [True, True, False, False]
        assert await hits_of(core, "test-number/100/60s", number.key) == [2]

    run(url, work)


def test_views_cost_no_write_until_reconciled_then_every_worker_knows(url: str) -> None:
    async def work(core: Core) -> None:
        first, second = Throttle(core), Throttle(core)
        view = Hit("5/minute", "test-page", secrets.token_hex(8))
        for _ in range(3):
            await first.check_view(view)
        assert await hits_of(core, "test-page/5/60s", view.key) == []  # nothing written yet
        await first.reconcile()
        assert await hits_of(core, "test-page/5/60s", view.key) == [3]
        # The second worker has not seen the address: it lets one view through, then
        # learns the shared count and holds back the rest of the window.
        await second.check_view(view)
        await second.reconcile()
        assert await hits_of(core, "test-page/5/60s", view.key) == [4]
        await second.check_view(view)
        await second.reconcile()
        with pytest.raises(RateLimited):
            await second.check_view(view)
        # The first worker learns the same from its next reconciliation.
        await first.check_view(view)
        await first.reconcile()
        assert await hits_of(core, "test-page/5/60s", view.key) == [6]
        with pytest.raises(RateLimited):
            await first.check_view(view)

    run(url, work)


def test_ended_windows_and_forgiven_numbers_are_deleted(url: str) -> None:
    later = NOW + 2 * 60_000
    ended, live = secrets.token_hex(8), secrets.token_hex(8)
    forgiven, remembered = secrets.token_hex(4), secrets.token_hex(4)

    async def before(core: Core) -> None:
        throttle = Throttle(core)
        assert await throttle.allow(Hit("3/minute", "test-sweep", ended))
        async with core.db.write() as conn:
            rows = [(forgiven, NOW), (remembered, later + 1)]
            for wa_id, forget_at in rows:
                values = {"wa_id": wa_id, "wrong": 3, "locked_until": 0, "forget_at": forget_at}
                await conn.execute(sa.insert(signin_guesses).values(values))

    async def after(core: Core) -> None:
        throttle = Throttle(core)
        assert await throttle.allow(Hit("3/hour", "test-sweep", live))
        await throttle.sweep()
        assert await hits_of(core, "test-sweep/3/60s", ended) == []
        assert await hits_of(core, "test-sweep/3/3600s", live) == [1]
        async with core.db.read() as conn:
            query = sa.select(signin_guesses.c.wa_id).where(
                signin_guesses.c.wa_id.in_([forgiven, remembered])
            )
            assert list((await conn.scalars(query)).all()) == [remembered]

    run(url, before)
    run(url, after, clock=later)


def test_a_window_opens_at_the_first_hit_and_the_next_after_it_ends(url: str) -> None:
    key = secrets.token_hex(8)

    def hits_at(clock: int, expected: list[bool]) -> None:
        async def work(core: Core) -> None:
            throttle = Throttle(core)
            answers = [await throttle.allow(Hit("2/minute", "test-window", key)) for _ in expected]
            assert answers == expected

        run(url, work, clock=clock)

    hits_at(NOW + 50_000, [True, True, False])  # 10 s before a minute of the clock ends
    hits_at(NOW + 70_000, [False])  # the clock's minute changed; the window did not
    hits_at(NOW + 110_000, [True, True, False])  # a minute after the first hit: a new one
