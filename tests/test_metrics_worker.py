"""``grouplink worker --metrics-port``: a worker's own /metrics, with its webhook
deliveries by outcome, beside the server's outbox backlog, on a server that
delivers nothing itself (GROUPLINK_DISPATCHER=off), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS, Server, free_port, own_server, stop_process_groups
from tests.metrics_support import Scrape, scrape, scrape_until
from tests.receiver import Receiver
from tests.support import Business, create_group, make_business
from tests.webhooks.conftest import subscribe

DELIVERIES = "grouplink_webhook_deliveries_total"
OUTCOMES = ("delivered", "retrying", "dead_lettered", "refused")


@pytest.fixture(params=BACKENDS)
def quiet_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    with own_server(str(request.param), tmp_path, dispatcher="off") as srv:
        yield srv


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    ok, failing = Receiver().start(), Receiver(status=500).start()
    yield ok, failing
    ok.stop()
    failing.stop()


def events_to(srv: Server, receiver: Receiver, groups: int) -> Business:
    """A business subscribed to ``receiver`` that makes ``groups`` groups (one event each)."""
    biz = make_business(srv.database_url, srv.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        subscribe(api, biz, receiver)
        for _ in range(groups):
            create_group(api, biz)
    return biz


class Worker:
    """`grouplink worker --metrics-port` for the block; its /metrics once it answers."""

    def __init__(self, srv: Server, log: Path, **settings: str) -> None:
        self.url, self.log = f"http://127.0.0.1:{free_port()}", log
        env = {**srv.env, **{f"GROUPLINK_{k.upper()}": v for k, v in settings.items()}}
        command = [sys.executable, "-m", "grouplink", "worker", "--metrics-port"]
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [*command, self.url.rsplit(":", 1)[1]],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def __enter__(self) -> Worker:
        deadline = time.monotonic() + 60
        while True:  # until its door answers (the process starts in a second or two)
            assert self.proc.poll() is None, self.log.read_text()
            try:
                httpx.get(f"{self.url}/metrics", timeout=30)
                return self
            except httpx.ConnectError:
                assert time.monotonic() < deadline, self.log.read_text()
                time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        stop_process_groups([self.proc], grace=20)

    def outcomes_reach(self, **expected: float) -> Scrape:
        """Scrape until its deliveries by outcome are ``expected`` (the others 0)."""
        want = {o: expected.get(o, 0) for o in OUTCOMES}

        def reached(found: Scrape) -> bool:
            return {o: found.value(DELIVERIES, outcome=o) for o in OUTCOMES} == want

        return scrape_until(self.url, reached, f"deliveries {want}", timeout=90)


def _backlog(found: Scrape) -> tuple[float, float]:
    events = found.value("grouplink_outbox_backlog_events")
    return events, found.value("grouplink_webhook_deliveries_pending")


def test_a_worker_reports_its_deliveries_by_outcome_and_the_server_the_backlog(
    quiet_server: Server, receivers: tuple[Receiver, Receiver], tmp_path: Path
) -> None:
    ok, failing = receivers
    events_to(quiet_server, ok, 2)
    events_to(quiet_server, failing, 1)
    queued = scrape(quiet_server.base_url)
    assert _backlog(queued) == (3, 0)  # nobody delivers: none fanned out yet
    age = queued.value("grouplink_outbox_oldest_event_age_seconds")
    assert 0 <= age < 600

    # An hour between tries: the failing delivery is tried once, then waits.
    with Worker(quiet_server, tmp_path / "w1.log", webhook_backoff_base_ms="3600000") as w1:
        w1.outcomes_reach(delivered=2, retrying=1)
        assert len(ok.received()) == 2
    assert _backlog(scrape(quiet_server.base_url)) == (1, 1)  # the one waiting for its retry

    events_to(quiet_server, ok, 1)  # a loopback callback, which this worker may not call
    with Worker(quiet_server, tmp_path / "w2.log", webhook_allow_private="false") as w2:
        w2.outcomes_reach(refused=1)
    events_to(quiet_server, failing, 1)  # failing, with no time left to retry
    with Worker(quiet_server, tmp_path / "w3.log", webhook_retry_seconds="0") as w3:
        found = w3.outcomes_reach(dead_lettered=1)
        assert found.value("grouplink_database_up") == 1
        assert found.has("grouplink_db_pool_checked_out")
    assert len(ok.received()) == 2
    assert _backlog(scrape(quiet_server.base_url)) == (1, 1)  # still only the retry


def test_a_worker_whose_metrics_port_is_taken_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "grouplink", "worker", "--metrics-port", str(port)],
            env={**os.environ, "GROUPLINK_DATA_DIR": str(tmp_path)},
            capture_output=True,
            timeout=120,
        )
    assert done.returncode == 1, done.stderr
    said = done.stderr.decode().strip()
    assert said == f"Error: cannot serve metrics on 127.0.0.1:{port}: Address already in use", said
