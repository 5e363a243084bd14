"""A link's end is stamped with the moment it took effect: no participant is ever
recorded as having joined through a link after that link's ``ended_at``.

A join reads its time once it holds the group's lock, and its audit entry (like
the participant's ``joined_at``) carries that time. A change that ends links must do
the same: one that read the time first and then waited for the lock
behind a join would stamp the link as ended before that join, though the join
went first. The soak (bench/soak) compares the two times for every join.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.actors import Actor
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.link_settings import LinkChanges
from grouplink.services import businesses, groups, invite_links, joins, links
from grouplink.services.core import Core
from grouplink.store.migrate import migrate
from grouplink.store.tables import audit_log
from grouplink.store.tables import invite_links as links_table
from tests.conftest import IN_CI, free_port
from tests.support import drop_postgres_database, postgres_test_url, with_core

Ending = Callable[[Core, str, str, str, Actor], Coroutine[Any, Any, object]]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/ends.db"
        with_core(url, lambda core: migrate(core.db))
        yield url
        return
    name = f"grouplink_ends_{os.getpid()}_{free_port()}"
    pg_url = postgres_test_url(name, required=IN_CI)
    if pg_url is None:
        pytest.skip("PostgreSQL is not reachable; CI runs it")
    yield pg_url
    drop_postgres_database(name)


async def _revoke(core: Core, business_id: str, group_id: str, link_id: str, actor: Actor) -> None:
    await invite_links.revoke_link(core, business_id, group_id, link_id, actor)


async def _reset(core: Core, business_id: str, group_id: str, link_id: str, actor: Actor) -> str:
    return await links.reset_link(core, business_id, group_id, actor)


async def _delete(core: Core, business_id: str, group_id: str, link_id: str, actor: Actor) -> None:
    await links.delete_link(core, business_id, group_id, actor)


async def _delete_group(core: Core, business_id: str, group_id: str, _: str, actor: Actor) -> str:
    return await groups.delete_group(core, business_id, group_id, actor)


ENDINGS: dict[str, Ending] = {
    "revoke": _revoke,
    "reset": _reset,
    "delete the link": _delete,
    "delete the group": _delete_group,
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_join_that_took_the_lock_first_is_recorded_before_the_links_end(
    database_url: str, ending: str
) -> None:
    async def work(core: Core) -> tuple[int, int]:
        ticks = itertools.count(1_800_000_000_000, 1000)  # each reading a second later
        core.clock = lambda: next(ticks)
        await core.load_secret()
        made = await businesses.create_business(core, "Ends")
        actor = Actor.business(made.business_id)
        group = await groups.create_group(
            core, made.business_id, made.phone_number_id, "G", "", JoinApprovalMode.AUTO_APPROVE,
            actor,
        )  # fmt: skip
        _, link = await invite_links.create_link(
            core, made.business_id, group.group_id, actor, LinkChanges(name="poster")
        )
        # The change sets off first but reaches its transaction only after a join
        # has gone through (as when it waits for the group's lock behind that join).
        started, go_on = asyncio.Event(), asyncio.Event()
        real_write, real_run = core.db.write, core.db.run

        def first_the_change() -> None:
            core.db.write, core.db.run = real_write, real_run  # type: ignore[method-assign]
            started.set()

        @asynccontextmanager
        async def held_back() -> AsyncIterator[AsyncConnection]:
            first_the_change()
            await go_on.wait()
            async with real_write() as conn:
                yield conn

        async def held_back_run(flow: Callable[[Any], Any]) -> Any:
            first_the_change()
            await go_on.wait()
            return await real_run(flow)

        # The change runs through SQLAlchemy (write) or on the driver (run).
        core.db.write, core.db.run = held_back, held_back_run  # type: ignore[method-assign]
        change = asyncio.create_task(
            ENDINGS[ending](core, made.business_id, group.group_id, link.id, actor)
        )
        await asyncio.wait_for(started.wait(), 30)  # a change that used neither fails here
        code = link.url.rsplit("/", 1)[1]
        await joins.open_link(core, code, "15550001111", "sandbox", business_id=made.business_id)
        go_on.set()
        await change
        async with core.db.read() as conn:
            pk, ended = (
                await conn.execute(
                    sa.select(links_table.c.pk, links_table.c.ended_at).where(
                        links_table.c.id == link.id
                    )
                )
            ).one()
            joined = await conn.scalar(
                sa.select(audit_log.c.created_at).where(
                    audit_log.c.action == "participants.add", audit_log.c.link_pk == pk
                )
            )
        assert joined is not None, "the join left no audit entry"
        return int(ended), int(joined)

    ended, joined = with_core(database_url, work)
    assert joined <= ended, f"joined at {joined}, through a link that ended at {ended}"
