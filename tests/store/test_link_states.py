"""The SQL that filters links by state says what the rules say, on both backends.

A listing filters and pages in the database (``store.links.state_condition``) while
the rules derive a link's state in Python (``domain.links.state_of``). Links of every
combination of revoked, expiry, limit and pauses are written to a real database;
each state's filter must find exactly the links the rules give that state.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest
import sqlalchemy as sa

from grouplink.domain.links import LinkState, state_of
from grouplink.settings import normalize_database_url
from grouplink.store import links
from grouplink.store.database import Database
from grouplink.store.migrate import migrate
from grouplink.store.tables import businesses, groups, invite_links, phone_numbers

NOW = 1_800_000_000_000
TIMES = (None, NOW - 1, NOW, NOW + 1)


async def _check(url: str) -> None:
    db = Database(normalize_database_url(url), pool_size=1)
    await migrate(db)
    try:
        async with db.write() as conn:
            group_pks = await _groups(conn)
            for group_pk in group_pks:
                rows = [
                    {
                        "id": f"L{group_pk}x{n}",
                        "group_pk": group_pk,
                        "code": f"{group_pk:06d}{n:016d}",
                        "is_primary": False,
                        "state": "revoked" if revoked else "active",
                        "expires_at": expires,
                        "use_limit": limit,
                        "joined_count": joined,
                        "paused_until": paused,
                        "created_by": "test",
                        "created_at": 0,
                    }
                    for n, (revoked, expires, limit, joined, paused) in enumerate(
                        itertools.product((False, True), TIMES, (None, 2), (0, 2, 3), TIMES)
                    )
                ]
                await conn.execute(sa.insert(invite_links), rows)
            seen: set[LinkState] = set()
            for group_pk, group_pause in zip(group_pks, TIMES, strict=True):
                everything = await conn.execute(
                    sa.select(invite_links).where(invite_links.c.group_pk == group_pk)
                )
                expected: dict[LinkState, set[str]] = {state: set() for state in LinkState}
                for row in everything:
                    view = links.link_view(row, group_paused_until=group_pause)
                    expected[state_of(view, NOW)].add(row.id)
                for state in LinkState:
                    base, _order = links.listing(group_pk, state, NOW)
                    found = {r.id for r in await conn.execute(base)}
                    assert found == expected[state], (state, group_pause)
                    seen |= {state} if found else set()
            assert seen == set(LinkState)  # the grid covers every state
            raise _Undo
    except _Undo:
        pass
    finally:
        await db.dispose()


class _Undo(Exception):
    """Leaves the test database as it was: the writes roll back."""


async def _groups(conn: sa.ext.asyncio.AsyncConnection) -> list[int]:
    await conn.execute(
        sa.insert(businesses).values(id="states", name="states", app_secret="x", created_at=0)
    )
    await conn.execute(
        sa.insert(phone_numbers).values(
            id="900000000000001", business_id="states", display_phone_number="1", created_at=0
        )
    )
    pks = []
    for n, pause in enumerate(TIMES):
        made = await conn.execute(
            sa.insert(groups)
            .values(
                id=f"StatesGroup{n}",
                business_id="states",
                phone_number_id="900000000000001",
                subject="states",
                join_approval_mode="auto_approve",
                links_paused_until=pause,
                created_at=0,
                updated_at=0,
            )
            .returning(groups.c.pk)
        )
        pks.append(int(made.scalar_one()))
    return pks


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_state_filter_finds_what_the_rules_derive(
    backend: str, database_urls: dict[str, str | None]
) -> None:
    url = database_urls[backend]
    if url is None:
        pytest.skip("PostgreSQL is not reachable; CI runs it")
    asyncio.run(_check(url))
