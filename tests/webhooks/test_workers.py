"""`grouplink worker` processes: many at once deliver each event once, a worker
killed with SIGKILL loses nothing, SIGTERM gives back what it holds."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import sqlalchemy as sa

from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.tables import outbox, webhook_attempts, webhook_deliveries
from tests.conftest import Server, stop_process_groups
from tests.receiver import Receiver
from tests.support import Business, make_business
from tests.webhooks.conftest import subscribe

Worker = subprocess.Popen[bytes]


class StartWorker(Protocol):
    def __call__(self, srv: Server, name: str, **settings: str) -> Worker: ...


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """``start_worker(srv, name, **settings)`` runs `grouplink worker` in a process
    group of its own; whatever still runs when the test ends, even after a failed
    assertion, is stopped with its whole group."""
    started: list[Worker] = []

    def start(srv: Server, name: str, **settings: str) -> Worker:
        env = {**srv.env, **{f"GROUPLINK_{k.upper()}": v for k, v in settings.items()}}
        with open(tmp_path / f"worker-{name}.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "grouplink", "worker", "--name", name],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(proc)
        return proc

    yield start
    stop([p for p in started if p.poll() is None])


def queue_events(srv: Server, receiver: Receiver, count: int) -> tuple[Business, set[str]]:
    """Subscribe, then make ``count`` groups: one group_create event each."""
    biz = make_business(srv.database_url, srv.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        subscribe(api, biz, receiver)
        ids = set()
        for n in range(count):
            made = api.post(
                f"/{biz.phone_number_id}/groups",
                json={"messaging_product": "whatsapp", "subject": f"g{n}"},
            )
            ids.add(made.json()["id"])
    return biz, ids


def delivered_group_ids(receiver: Receiver) -> list[str]:
    return [d.event["group_id"] for d in receiver.received()]


def _read(database_url: str, query: sa.Select[Any]) -> list[sa.Row[Any]]:
    async def run() -> list[sa.Row[Any]]:
        db = Database(normalize_database_url(database_url), pool_size=1)
        try:
            async with db.read() as conn:
                return list(await conn.execute(query))
        finally:
            await db.dispose()

    return asyncio.run(run())


def delivery_record(database_url: str, business_id: str) -> tuple[list[str], list[str]]:
    """The business's deliveries as the database has them: each one's state, and the
    worker of each attempt made."""
    mine = (
        sa.select(webhook_deliveries.c.pk, webhook_deliveries.c.state)
        .join(outbox, outbox.c.pk == webhook_deliveries.c.event_pk)
        .where(outbox.c.business_id == business_id)
    )
    deliveries = _read(database_url, mine)
    attempts = sa.select(webhook_attempts.c.worker).where(
        webhook_attempts.c.delivery_pk.in_([row.pk for row in deliveries])
    )
    return [row.state for row in deliveries], [row.worker for row in _read(database_url, attempts)]


def leased_count(database_url: str, worker: str) -> int:
    async def run() -> int:
        db = Database(normalize_database_url(database_url), pool_size=1)
        try:
            async with db.read() as conn:
                query = (
                    sa.select(sa.func.count())
                    .select_from(webhook_deliveries)
                    .where(webhook_deliveries.c.leased_by == worker)
                )
                return int(await conn.scalar(query) or 0)
        finally:
            await db.dispose()

    return asyncio.run(run())


def stop(workers: list[Worker]) -> None:
    """SIGTERM to each worker's group, then SIGKILL to any left after 20 s."""
    stop_process_groups(workers, grace=20)


def test_several_workers_deliver_each_event_exactly_once(
    quiet_server: Server, receiver: Receiver, start_worker: StartWorker
) -> None:
    # Two workers on both backends; four too on PostgreSQL, the scale-out backend.
    for workers in [2, 4] if quiet_server.backend == "postgresql" else [2]:
        receiver.deliveries.clear()
        biz, made = queue_events(quiet_server, receiver, 120)
        names = [f"w{workers}-{n}" for n in range(workers)]
        procs = [start_worker(quiet_server, name, webhook_batch="10") for name in names]
        try:
            receiver.wait_for(lambda ds, made=made: {d.event["group_id"] for d in ds} >= made, 60)
            # Once the database says every one was delivered, nothing is sent again.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                states, by = delivery_record(quiet_server.database_url, biz.business_id)
                if states and set(states) == {"delivered"}:
                    break
                time.sleep(0.05)
        finally:
            stop(procs)
        # One attempt each, all by the workers: the server itself (dispatcher off) sent none.
        assert len(states) == len(made) and set(states) == {"delivered"}, states
        assert len(by) == len(made) and set(by) <= set(names), Counter(by)
        counts = Counter(delivered_group_ids(receiver))
        assert set(counts) == made
        assert max(counts.values()) == 1, [g for g, n in counts.items() if n > 1]
        assert all(p.returncode == 0 for p in procs)  # SIGTERM is a clean stop


def test_a_worker_killed_mid_batch_loses_nothing(
    quiet_server: Server, receiver: Receiver, start_worker: StartWorker
) -> None:
    srv = quiet_server
    _, made = queue_events(srv, receiver, 30)
    receiver.delay_s = 0.3  # slow enough that the worker holds a claimed batch
    doomed = start_worker(
        srv,
        "doomed",
        webhook_lease_seconds="2",
        webhook_batch="30",
        webhook_concurrency="4",
    )
    receiver.wait_for(lambda ds: len(ds) >= 3, 60)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    assert len(set(delivered_group_ids(receiver))) < len(made)  # it died with work in hand
    receiver.delay_s = 0
    heir = start_worker(srv, "heir", webhook_lease_seconds="2")
    try:
        receiver.wait_for(lambda ds: {d.event["group_id"] for d in ds} >= made, 60)
    finally:
        stop([heir])
    assert set(delivered_group_ids(receiver)) == made


def test_sigterm_finishes_in_flight_work_and_releases_the_rest(
    quiet_server: Server, receiver: Receiver, start_worker: StartWorker
) -> None:
    srv = quiet_server
    _, made = queue_events(srv, receiver, 20)
    receiver.delay_s = 0.5
    worker = start_worker(
        srv,
        "polite",
        webhook_lease_seconds="600",
        webhook_batch="5",
        webhook_concurrency="5",
    )
    receiver.wait_for(lambda ds: len(ds) >= 1, 60)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    # Nothing stays leased by the stopped worker, although its lease was 10 minutes.
    assert leased_count(srv.database_url, "polite") == 0
    receiver.delay_s = 0
    heir = start_worker(srv, "heir")
    try:
        receiver.wait_for(lambda ds: {d.event["group_id"] for d in ds} >= made, 60)
    finally:
        stop([heir])
    counts = Counter(delivered_group_ids(receiver))
    assert set(counts) == made and max(counts.values()) == 1
