"""Two servers that share only the PostgreSQL database, as on two machines: their own
data folders and temporary folders, so no counters' file between them, and reads
kept for 600 s. A token revoked or a link reset through one is refused by the
other within a second: only the NOTIFY that the change sent can explain it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from grouplink.services import businesses
from tests.conftest import IN_CI, Server, free_port, start_server, stop_process_groups
from tests.graph.helpers import WHATSAPP
from tests.support import (
    Business,
    create_group,
    drop_postgres_database,
    make_business,
    postgres_test_url,
    with_core,
)

DEADLINE = 5.0  # seconds; the delay seen is printed (pytest -s)


@dataclass(frozen=True)
class Machines:
    a: Server
    b: Server
    database_url: str


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machines]:
    name = f"grouplink_machines_{os.getpid()}_{free_port()}"
    url = postgres_test_url(name, required=IN_CI)
    if url is None:
        pytest.skip("PostgreSQL is not reachable (set GROUPLINK_TEST_POSTGRES_URL); CI runs it")
    procs, servers = [], []
    try:
        for machine in "ab":
            root = tmp_path_factory.mktemp(f"machine-{machine}")
            (root / "data").mkdir()
            (root / "tmp").mkdir()
            proc, server = start_server(
                url,
                root / "data",
                workers=1,
                environ={"TMPDIR": str(root / "tmp")},
                cache_seconds="600",
                rate_link_page="100000/minute",
            )
            procs.append(proc)
            servers.append(server)
        yield Machines(servers[0], servers[1], url)
    finally:
        stop_process_groups(procs)
        drop_postgres_database(name)


@pytest.fixture
def biz(machines: Machines) -> Business:
    return make_business(machines.database_url, machines.a.graph)


def client(server: Server, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.graph, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def seconds_until(condition: Callable[[], bool], what: str) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > DEADLINE:
            raise AssertionError(f"not within {DEADLINE:g} s: {what}")
    return time.monotonic() - start


def behind_its_back(database_url: str, statement: str, **values: str) -> None:
    """A change in plain SQL, which no cache hears of."""
    import sqlalchemy as sa

    async def run(core: object) -> None:
        async with core.db.engine.begin() as conn:  # type: ignore[attr-defined]
            await conn.execute(sa.text(statement), values)

    with_core(database_url, run)  # type: ignore[arg-type]


def test_a_token_revoked_on_one_machine_is_refused_on_the_other(
    machines: Machines, biz: Business
) -> None:
    with client(machines.a, biz.token) as on_a, client(machines.b, biz.token) as on_b:
        info = f"/{create_group(on_a, biz)['id']}?fields=subject"
        assert on_b.get(info).status_code == 200  # B keeps the token for 600 s

        # B really answers from what it kept: a revoke it does not hear of goes unseen.
        other = with_core(
            machines.database_url, lambda core: businesses.create_token(core, biz.business_id)
        )
        with client(machines.b, other.token) as other_on_b:
            assert other_on_b.get(info).status_code == 200
            behind_its_back(
                machines.database_url,
                "UPDATE api_tokens SET revoked_at = 1 WHERE id = :id",
                id=other.token_id,
            )
            assert other_on_b.get(info).status_code == 200

        # `grouplink token revoke` on machine A: its own process, A's temporary folder.
        revoke = [sys.executable, "-m", "grouplink", "token", "revoke", biz.token]
        subprocess.run(revoke, env=machines.a.env, check=True, capture_output=True)
        assert on_a.get(info).status_code == 401  # A shares the counters' file: at once
        delay = seconds_until(lambda: on_b.get(info).status_code == 401, "B refuses the token")
        print(f"B refused the revoked token {delay * 1000:.1f} ms after the revoke")


def test_a_link_reset_on_one_machine_shows_as_reset_on_the_other(
    machines: Machines, biz: Business
) -> None:
    with client(machines.a, biz.token) as on_a, httpx.Client(timeout=30) as browser:
        group = create_group(on_a, biz, subject="Before")
        page = f"{machines.b.base_url}/{group['code']}"
        assert "Before" in browser.get(page).text  # B keeps the link and its group

        behind_its_back(
            machines.database_url,
            "UPDATE groups SET subject = 'Renamed unheard' WHERE id = :id",
            id=group["id"],
        )
        assert "Renamed unheard" not in browser.get(page).text  # from what B kept

        assert on_a.post(f"/{group['id']}/invite_link", json=WHATSAPP).status_code == 200

        def says_reset() -> bool:
            answer = browser.get(page)
            return answer.status_code == 410 and "This invite link was reset" in answer.text

        delay = seconds_until(says_reset, "B's page says the link was reset")
        print(f"B's page said the link was reset {delay * 1000:.1f} ms after the reset")
