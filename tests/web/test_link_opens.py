"""A link's ``counts.opens``: link-page views by distinct visitors per UTC day, counted
in memory and written every few seconds, kept only as keyed hashes for the day."""

from __future__ import annotations

import time

import httpx
import sqlalchemy as sa

from grouplink.domain.days import utc_day
from grouplink.services.core import Core
from grouplink.store import opens
from grouplink.store.tables import link_open_marks, server_state
from tests.conftest import Server
from tests.graph.helpers import joined, phone
from tests.graph.links_support import new_link, read_link
from tests.support import Business, create_group, with_core
from tests.web.pages import Person


def opens_of(api: httpx.Client, group_id: str, link_id: str, expected: int) -> int:
    """The link's opens once the servers' workers have flushed (they do every 2 s)."""
    deadline = time.monotonic() + 15
    while True:
        found = int(read_link(api, group_id, link_id)["counts"]["opens"])
        if found >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


def test_opens_count_distinct_visitors_not_views_bots_or_sandbox_calls(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    link = new_link(api, group["id"], name="Flyer")
    people = [Person(server.base_url) for _ in range(3)]
    try:
        for person in people:
            for _ in range(4):  # the same browser again and again, on either worker
                assert person.open(link["code"]).status == 200
        signed_in = people[0]
        signed_in.sign_in()
        signed_in.open(link["code"])  # now as a person: a visitor of its own
        unfurl = httpx.get(
            f"{server.base_url}/{link['code']}",
            headers={"User-Agent": "WhatsApp/2.23.20.0"},
            timeout=30,
        )
        assert unfurl.status_code == 200
        joined(biz, link["code"], phone(1))  # the sandbox helper is not a view
    finally:
        for person in people:
            person.close()
    assert opens_of(api, group["id"], link["id"], 4) == 4
    time.sleep(2.5)  # a later flush adds nothing for the same visitors
    assert read_link(api, group["id"], link["id"])["counts"]["opens"] == 4
    primary = api.get(f"/{group['id']}/invite_links").json()["data"][0]
    assert primary["is_primary"] and primary["counts"]["opens"] == 0  # each link its own


def test_a_past_days_key_and_marks_are_forgotten(server: Server) -> None:
    today = utc_day(int(time.time() * 1000))

    async def run(core: Core) -> tuple[int, int, list[str]]:
        async with core.db.write() as conn:
            await opens.day_key(conn, today - 3)
            await opens.day_key(conn, today)
            await opens.forget_before(conn, today)
        async with core.db.read() as conn:
            old = await conn.scalar(sa.select(sa.func.count()).where(link_open_marks.c.day < today))
            keys = list(
                await conn.scalars(
                    sa.select(server_state.c.key).where(server_state.c.key.startswith("opens_key:"))
                )
            )
        return int(old or 0), today, keys

    old, day, keys = with_core(server.database_url, run)
    assert old == 0
    assert keys == [f"opens_key:{day}"]
