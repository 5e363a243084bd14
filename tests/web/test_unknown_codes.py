"""An unknown invite code and a deleted link's code cannot be told apart, by what the
page says nor by how long it takes: the process keeps what each lookup found, a
miss as well as a row, so a second look at either makes no database query.

The proof that it makes none: the invite links table is renamed away under the
running server. A code the server never looked up then fails (the query it needs
cannot run); the two codes it looked up before still answer, byte for byte as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import BACKENDS, Server, own_server
from tests.graph.helpers import WHATSAPP
from tests.support import create_group, make_business
from tests.web.pages import Person, run_sql

NEVER_ISSUED = "Zz" * 11  # the shape of a code; no link has it
NEVER_LOOKED_UP = "Yy" * 11


@pytest.fixture(scope="module", params=BACKENDS)
def one_worker(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One process (its cache is the one every request meets), entries that outlive the test."""
    data_dir: Path = tmp_path_factory.mktemp(f"codes-{request.param}")
    with own_server(request.param, data_dir, workers=1, cache_seconds="600") as srv:
        yield srv


def answers(person: Person, code: str) -> tuple[httpx.Response, httpx.Response]:
    return person.client.get(f"/{code}"), person.client.get(f"/pictures/{code}")


def test_a_second_look_at_an_unknown_code_is_as_a_deleted_ones_without_the_database(
    one_worker: Server,
) -> None:
    biz = make_business(one_worker.database_url, one_worker.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        group = create_group(api, biz, subject="Gone club")
        deleted = api.request("DELETE", f"/{group['id']}/invite_link", json=WHATSAPP)
        assert deleted.status_code == 200, deleted.text
    person = Person(one_worker.base_url)
    try:
        person.client.get("/signin")  # the CSRF cookie first: every answer after is alike
        first = {code: answers(person, code) for code in (group["code"], NEVER_ISSUED)}
        run_sql(one_worker.database_url, sa.text("ALTER TABLE invite_links RENAME TO away"))
        try:
            again = {code: answers(person, code) for code in (group["code"], NEVER_ISSUED)}
            control = person.client.get(f"/{NEVER_LOOKED_UP}")
        finally:
            run_sql(one_worker.database_url, sa.text("ALTER TABLE away RENAME TO invite_links"))
    finally:
        person.close()

    assert control.status_code == 500  # the table is gone: a lookup that queries fails
    for page, picture in (*first.values(), *again.values()):
        assert page.status_code == 404 and picture.status_code == 404, page.text
    [deleted_page, deleted_picture] = again[group["code"]]
    [unknown_page, unknown_picture] = again[NEVER_ISSUED]
    assert unknown_page.content == deleted_page.content == first[NEVER_ISSUED][0].content
    assert unknown_picture.content == deleted_picture.content
    assert "This invite link no longer works" in unknown_page.text
    assert "Gone club" not in deleted_page.text
