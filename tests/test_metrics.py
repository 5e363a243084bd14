"""GET /metrics on a real ``grouplink serve --workers 2``, on SQLite and PostgreSQL:
requests by route template, method and status, added up over every worker whichever
answers; joins, join requests and resets counted once per committed change; the
dashboard's queries; a worker killed and a database lost. Who may read /metrics is
in tests/test_metrics_access.py, ``grouplink worker --metrics-port`` in
tests/test_metrics_worker.py."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from grouplink.domain.actors import Actor
from grouplink.metrics import actions
from grouplink.metrics.pool import PoolSampler
from grouplink.services import businesses
from grouplink.services.core import Core
from grouplink.settings import normalize_database_url
from grouplink.store import committed, queries
from grouplink.store.database import Database
from grouplink.store.migrate import migrate
from tests.conftest import IN_CI, Server, start_server, stop_server
from tests.forwarder import forwarding
from tests.graph.helpers import WHATSAPP, approval_group, ask, joined, phone, reset_link
from tests.metrics_support import REQUESTS, Scrape, scrape, scrape_until
from tests.support import (
    TIMEOUT_S,
    Business,
    create_group,
    drop_postgres_database,
    postgres_test_url,
)

DASHBOARD = Path(__file__).parent.parent / "docs" / "grafana-dashboard.json"
INVITE_LINK = "/{version}/{group_id}/invite_link"


def test_requests_add_up_over_every_worker_by_route_template(
    server: Server, biz: Business, api: httpx.Client
) -> None:
    group = create_group(api, biz)
    before = scrape(server.base_url)
    calls = 40

    def call(_: int) -> None:  # a connection each: the kernel spreads them over the workers
        answer = httpx.get(
            f"{biz.graph}/{group['id']}/invite_link", headers=biz.auth, timeout=TIMEOUT_S
        )
        assert answer.status_code == 200, answer.text

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, range(calls)))

    labels = {"route": INVITE_LINK, "method": "GET", "status": "200"}
    for _ in range(6):  # whichever worker answers, it counts every worker's requests
        after = scrape(server.base_url)
        assert after.value(REQUESTS, **labels) - before.value(REQUESTS, **labels) == calls
        every = "grouplink_http_request_duration_seconds_bucket"
        assert after.value(every, le="+Inf", **labels) == after.value(REQUESTS, **labels)
        # Each worker reports its own pool; both are in the answer.
        assert len(after.label_values("grouplink_db_pool_size", "pid")) == 2, after.text
    assert after.value("grouplink_db_pool_size") == 2 * 10  # GROUPLINK_DB_POOL_SIZE each
    assert after.value("grouplink_http_request_duration_seconds_sum", **labels) > 0
    assert group["id"] not in after.text  # routes by their template, never with ids


def test_routes_are_labelled_by_template_and_strays_share_one_label(server: Server) -> None:
    before = scrape(server.base_url)
    strays = [f"/v23.0/{os.urandom(6).hex()}/a/b/c" for _ in range(3)]
    for path in strays:
        assert httpx.get(server.base_url + path, timeout=TIMEOUT_S).status_code == 404
    group_id = os.urandom(6).hex()
    taken = {  # what took each path: a prefixed router's route, a mount, a plain route
        f"/console/groups/{group_id}/members": "/console/groups/{group_id}/members",
        "/static/grouplink.css": "/static/{path}",
        "/openapi.json": "/openapi.json",
    }
    statuses = {
        path: httpx.get(server.base_url + path, timeout=TIMEOUT_S).status_code for path in taken
    }
    odd = httpx.request("PROPFIND", f"{server.base_url}/healthz", timeout=TIMEOUT_S)
    after = scrape(server.base_url)

    def added(**labels: str) -> float:
        return after.value(REQUESTS, **labels) - before.value(REQUESTS, **labels)

    assert added(route="unmatched", method="GET", status="404") == 3
    for path, route in taken.items():
        assert added(route=route, method="GET", status=str(statuses[path])) == 1, path
    assert added(route="/healthz", method="other", status=str(odd.status_code)) == 1
    assert not any(path.split("/")[2] in after.text for path in strays)
    assert group_id not in after.text and "PROPFIND" not in after.text


def decide(api: httpx.Client, method: str, group_id: str, ids: list[str]) -> httpx.Response:
    body = {**WHATSAPP, "join_requests": ids}
    return api.request(method, f"/{group_id}/join_requests", json=body)


def _counts(found: Scrape) -> dict[str, float]:
    requests = "grouplink_join_requests_total"
    resets = "grouplink_invite_link_resets_total"
    return {
        "joins": found.value("grouplink_joins_total"),
        **{e: found.value(requests, event=e) for e in ("created", "approved", "rejected")},
        "cancelled": found.value(requests, event="cancelled"),
        "reset": found.value(resets, trigger="admin"),
        # Not the rotations (trigger="schedule"): other tests' groups rotate on their own.
    }


def test_joins_requests_and_resets_count_each_committed_change_once(
    server: Server, biz: Business, api: httpx.Client
) -> None:
    before = _counts(scrape(server.base_url))
    open_group = create_group(api, biz)
    joined(biz, open_group["code"], phone(1))
    strict = approval_group(api, biz)
    asked = [ask(biz, strict["code"], phone(n)) for n in (2, 3, 4)]
    assert ask(biz, strict["code"], phone(2)) == asked[0]  # asking twice: still one request
    approved = api.post(
        f"/{strict['id']}/join_requests", json={**WHATSAPP, "join_requests": asked[:2]}
    )
    assert approved.status_code == 200, approved.text
    rejected = api.request(
        "DELETE", f"/{strict['id']}/join_requests", json={**WHATSAPP, "join_requests": asked[2:]}
    )
    assert rejected.status_code == 200, rejected.text
    again = api.post(
        f"/{strict['id']}/join_requests", json={**WHATSAPP, "join_requests": asked[:1]}
    )
    assert again.status_code >= 400  # settled already: nothing changes, nothing counted
    reset_link(api, open_group["id"])

    after = _counts(scrape(server.base_url))
    assert {k: after[k] - before[k] for k in after} == {
        "joins": 3,  # one through the open link, two approved
        "created": 3,
        "approved": 2,
        "rejected": 1,
        "cancelled": 0,
        "reset": 1,
    }


def test_a_write_is_counted_once_it_commits_and_never_when_rolled_back(
    database_urls: dict[str, str | None], backend: str
) -> None:
    """In this process, over the real database: Database.write and a shared write
    (the Idempotency-Key's), each committed, rolled back, or with a use case undone."""
    url = database_urls[backend]
    assert url is not None
    committed.listen(actions.count)  # as the server does (metrics.endpoint.install)

    def resets(trigger: str) -> float:
        found = REGISTRY.get_sample_value(
            "grouplink_invite_link_resets_total", {"trigger": trigger}
        )
        return found or 0.0

    async def run() -> None:
        db = Database(normalize_database_url(url), pool_size=2)
        try:
            await migrate(db)
            biz = await businesses.create_business(Core(db=db, link_base=""), "Rollbacks")

            async def audit(conn: Any, action: str) -> None:
                await queries.audit(
                    conn, business_id=biz.business_id, actor=Actor.system(), action=action, now=1
                )

            start = resets("admin"), resets("schedule")
            with pytest.raises(RuntimeError):
                async with db.write() as conn:
                    await audit(conn, "link.reset")
                    raise RuntimeError("rolled back")
            assert (resets("admin"), resets("schedule")) == start
            async with db.write() as conn:
                await audit(conn, "link.reset")
                assert resets("admin") == start[0]  # not before COMMIT
            assert resets("admin") == start[0] + 1

            async def nothing(_conn: Any) -> None:
                return None

            async with db.shared_write(nothing) as shared:
                with pytest.raises(RuntimeError):
                    async with db.write() as conn:  # a use case that fails: its SAVEPOINT undone
                        await audit(conn, "link.reset")
                        raise RuntimeError("undone")
                async with db.write() as conn:
                    await audit(conn, "link.rotate")
                assert resets("schedule") == start[1]  # the shared write has not committed
                await shared.commit()
            assert (resets("admin"), resets("schedule")) == (start[0] + 1, start[1] + 1)
            async with db.shared_write(nothing), db.write() as conn:
                await audit(conn, "link.rotate")
            # Never committed: rolled back at the end of the block.
            assert resets("schedule") == start[1] + 1
        finally:
            await db.dispose()

    asyncio.run(run())


def test_the_pool_sample_says_how_many_connections_are_in_use(
    database_urls: dict[str, str | None], backend: str
) -> None:
    url = database_urls[backend]
    assert url is not None

    def gauge(name: str) -> float | None:
        return REGISTRY.get_sample_value(name)

    async def run() -> None:
        db = Database(normalize_database_url(url), pool_size=3)
        try:
            sampler = PoolSampler(db)
            assert gauge("grouplink_db_pool_size") == 3
            async with db.read() as one, db.read() as two:
                await one.execute(sa.text("SELECT 1"))
                await two.execute(sa.text("SELECT 1"))
                sampler.sample()
                assert gauge("grouplink_db_pool_checked_out") == 2
            sampler.sample()
            assert gauge("grouplink_db_pool_checked_out") == 0
            assert gauge("grouplink_db_pool_overflow") == 0  # the pool opens no more than its size
        finally:
            await db.dispose()

    asyncio.run(run())


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, database_urls: dict[str, str | None]) -> str:
    if database_urls[request.param] is None:
        pytest.skip("PostgreSQL is not reachable (set GROUPLINK_TEST_POSTGRES_URL); CI runs it")
    return str(request.param)


def _expressions(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["expr"]] if isinstance(node.get("expr"), str) else []
        return found + [e for value in node.values() for e in _expressions(value)]
    if isinstance(node, list):
        return [e for item in node for e in _expressions(item)]
    return []


def test_the_dashboard_queries_only_what_the_server_exports(
    server: Server, biz: Business, api: httpx.Client
) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["title"] and dashboard["panels"]
    expressions = _expressions(dashboard)
    assert len(expressions) >= 8, expressions
    create_group(api, biz)  # some traffic, so that the request histogram has series
    exported = scrape(server.base_url).names()
    named = {name for e in expressions for name in re.findall(r"\bgrouplink_\w+", e)}
    assert named, expressions
    assert named <= exported, sorted(named - exported)
    for panel in dashboard["panels"]:
        assert panel["title"], panel


def test_a_killed_worker_keeps_its_counts_and_its_gauges_go_with_it(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    url = f"sqlite:///{tmp_path}/own.db"
    proc, srv = start_server(url, tmp_path, workers=2, environ={"TMPDIR": str(tmp)})
    try:
        [folder] = list(tmp.glob("grouplink-metrics-*"))  # this start's own, fresh
        for _ in range(20):
            assert httpx.get(f"{srv.base_url}/healthz", timeout=TIMEOUT_S).status_code == 200
        healthz = {"route": "/healthz", "method": "GET"}
        first = scrape(srv.base_url)
        served = first.value(REQUESTS, **healthz)
        assert served >= 20  # and those of the wait for the server to start
        pids = first.label_values("grouplink_db_pool_size", "pid")
        assert len(pids) == 2, first.text
        victim = sorted(pids)[0]
        os.kill(int(victim), signal.SIGKILL)

        def replaced(found: Scrape) -> bool:  # uvicorn starts another worker in its place
            alive = found.label_values("grouplink_db_pool_size", "pid")
            return len(alive) == 2 and victim not in alive

        after = scrape_until(srv.base_url, replaced, "a new worker in the killed one's place")
        assert after.value(REQUESTS, **healthz) == served  # the dead worker's still count
        assert folder.is_dir()
    finally:
        stop_server(proc)
    assert not folder.exists()  # removed when serve exits


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"grouplink_metrics_outage_{os.getpid()}"
    url = postgres_test_url(name, required=IN_CI)
    if url is None:
        pytest.skip("PostgreSQL is not reachable (set GROUPLINK_TEST_POSTGRES_URL); CI runs it")
    yield url
    drop_postgres_database(name)


def test_cut_off_from_its_database_metrics_still_answer(postgres_url: str, tmp_path: Path) -> None:
    """PostgreSQL behind a forwarder that is cut (an SQLite file does not go away)."""
    with forwarding() as forwarder:
        through = sa.engine.make_url(postgres_url).set(port=forwarder.port)
        proc, srv = start_server(through.render_as_string(hide_password=False), tmp_path)
        try:
            up = scrape(srv.base_url)
            assert up.value("grouplink_database_up") == 1
            assert up.has("grouplink_outbox_backlog_events")
            forwarder.cut()
            down = scrape(srv.base_url)  # a 200 all the same
            assert down.value("grouplink_database_up") == 0
            assert not down.has("grouplink_outbox_backlog_events")
            assert down.value(REQUESTS, route="/metrics") >= 1  # the request figures stay
            assert down.has("grouplink_db_pool_size")
            forwarder.restore()
            scrape_until(
                srv.base_url, lambda s: s.value("grouplink_database_up") == 1, "the database back"
            )
        finally:
            stop_server(proc)
