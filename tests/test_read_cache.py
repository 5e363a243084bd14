"""Each server process keeps the tokens and links it has read (grouplink.store.read_cache).
A change made through any process, or outside the server, must show on every
worker at once: a reset link stops, a revoked token fails, a new subject shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from grouplink.services import businesses
from tests.conftest import BACKENDS, Server, own_server
from tests.graph.helpers import WHATSAPP, code_of
from tests.support import Business, create_group, make_business, with_core

TRIES = 24  # each on a new connection, so both workers answer (and keep what they read)


@pytest.fixture(scope="module", params=BACKENDS)
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp(f"cache-{request.param}")
    with own_server(request.param, data_dir, workers=2, rate_link_page="100000/minute") as srv:
        yield srv


@pytest.fixture
def biz(two_workers: Server) -> Business:
    return make_business(two_workers.database_url, two_workers.graph)


@pytest.fixture
def api(biz: Business) -> Iterator[httpx.Client]:
    """The business's client, opening a new connection for every request."""
    limits = httpx.Limits(max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {biz.token}"}
    with httpx.Client(base_url=biz.graph, headers=headers, limits=limits, timeout=30) as client:
        yield client


def statuses(api: httpx.Client, url: str) -> set[int]:
    return {api.get(url).status_code for _ in range(TRIES)}


def test_a_reset_stops_the_old_links_page_and_picture_on_every_worker_at_once(
    biz: Business, api: httpx.Client
) -> None:
    group = create_group(api, biz)
    page, picture = f"{biz.root}/{group['code']}", f"{biz.root}/pictures/{group['code']}"
    assert statuses(api, page) == {200} and statuses(api, picture) == {200}

    answer = api.post(f"/{group['id']}/invite_link", json=WHATSAPP)
    assert answer.status_code == 200

    assert statuses(api, page) == {410}  # "This invite link was reset", from every worker
    assert statuses(api, picture) == {404}
    new_code = code_of(answer.json()["invite_link"])
    assert statuses(api, f"{biz.root}/pictures/{new_code}") == {200}


def test_a_new_subject_shows_on_every_worker_at_once(biz: Business, api: httpx.Client) -> None:
    group = create_group(api, biz)
    page = f"{biz.root}/{group['code']}"
    assert all("Renamed later" not in api.get(page).text for _ in range(TRIES))

    answer = api.post(f"/{group['id']}", json={**WHATSAPP, "subject": "Renamed later"})
    assert answer.status_code == 200, answer.text

    assert all("Renamed later" in api.get(page).text for _ in range(TRIES))


def test_a_token_revoked_by_another_process_fails_on_every_worker_at_once(
    two_workers: Server, biz: Business, api: httpx.Client
) -> None:
    group = create_group(api, biz)
    info = f"/{group['id']}?fields=subject"
    assert statuses(api, info) == {200}

    # As `grouplink token revoke` does: a process of its own, with its own connection.
    assert with_core(
        two_workers.database_url, lambda core: businesses.revoke_token(core, biz.token)
    )

    assert statuses(api, info) == {401}


def test_a_join_and_a_reset_show_in_the_graph_api_on_every_worker_at_once(
    biz: Business, api: httpx.Client
) -> None:
    group = create_group(api, biz)
    info, link = (
        f"/{group['id']}?fields=participants,total_participant_count",
        f"/{group['id']}/invite_link",
    )
    assert all(api.get(info).json()["total_participant_count"] == 0 for _ in range(TRIES))
    assert all(api.get(link).json()["invite_link"] == group["invite_link"] for _ in range(TRIES))

    joined = api.post(
        f"{biz.root}/sandbox/invites/{group['code']}/join", json={"wa_id": "15550107777"}
    )
    assert joined.status_code == 200, joined.text
    for _ in range(TRIES):
        body = api.get(info).json()
        assert body["total_participant_count"] == 1
        assert [p["wa_id"] for p in body["participants"]] == ["15550107777"]

    new_link = api.post(link, json=WHATSAPP).json()["invite_link"]
    assert all(api.get(link).json()["invite_link"] == new_link for _ in range(TRIES))
