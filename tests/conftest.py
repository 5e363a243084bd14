"""Shared fixtures: a real grouplink server per database backend.

Every test that takes ``server`` runs twice: on an SQLite file and on
PostgreSQL. The server is a real ``grouplink serve`` process with two workers,
so requests cross processes as in production. Each test makes its own business
(``biz``), and tenants are isolated, so tests share one database per backend.

PostgreSQL comes from ``GROUPLINK_TEST_POSTGRES_URL`` (default: the local
server, trust auth). Outside CI a missing service (PostgreSQL, Redis, Chromium,
wrk) skips the tests that need it; in CI (``CI=true``) every skip is a failure
(:func:`pytest_runtest_makereport`), so nothing missing can pass unseen.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from _pytest.reports import CollectReport, TestReport

from tests.meta_schemas import graph_client
from tests.support import Business, drop_postgres_database, make_business, postgres_test_url

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> TestReport:
    """In CI a skipped test fails: a skip there means something the suite needs is missing.
    An expected failure (xfail) fails too: the suite has none, and none may hide there."""
    report: TestReport = yield
    if IN_CI and report.skipped:
        what = "expected to fail" if hasattr(report, "wasxfail") else "skipped"
        report.outcome = "failed"
        report.longrepr = f"{what} in CI, which must run every test: {report.longrepr}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> CollectReport:
    """A module skipped whole (``pytest.importorskip``, a module-level skip) fails in CI too."""
    report: CollectReport = yield
    if IN_CI and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"
    return report


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    backend: str
    base_url: str  # http://127.0.0.1:PORT
    database_url: str
    env: dict[str, str]
    log_path: Path | None = None  # what the server wrote to stdout and stderr

    @property
    def graph(self) -> str:
        return self.base_url + "/v23.0"


def start_server(
    database_url: str,
    data_dir: Path,
    workers: int = 2,
    *,
    environ: dict[str, str] | None = None,
    **settings: str,
) -> tuple[subprocess.Popen[bytes], Server]:
    """Start ``grouplink serve`` in a process group of its own and wait until it answers.
    ``environ``: variables other than settings (TMPDIR, say).

    Stop it with ``stop_server``, which ends the whole group: uvicorn's worker
    processes as well as its main process."""
    proc, srv = launch_server(database_url, data_dir, workers, environ=environ, **settings)
    try:
        wait_until_healthy(proc, srv.base_url, srv.log_path or data_dir, timeout=90)
    except BaseException:
        stop_server(proc)
        raise
    return proc, srv


def launch_server(
    database_url: str,
    data_dir: Path,
    workers: int = 2,
    *,
    environ: dict[str, str] | None = None,
    **settings: str,
) -> tuple[subprocess.Popen[bytes], Server]:
    """Start ``grouplink serve`` as :func:`start_server` does, without waiting for it."""
    port = free_port()
    env = {
        **os.environ,
        **(environ or {}),
        "GROUPLINK_DATABASE_URL": database_url,
        "GROUPLINK_DATA_DIR": str(data_dir),
        "GROUPLINK_PORT": str(port),
        "GROUPLINK_LOG_LEVEL": "warning",
        **{f"GROUPLINK_{k.upper()}": v for k, v in settings.items()},
    }
    log_path = data_dir / f"server-{port}.log"
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "grouplink", "serve", "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    return proc, Server(backend, f"http://127.0.0.1:{port}", database_url, env, log_path)


def wait_until_healthy(
    proc: subprocess.Popen[bytes], base: str, log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"grouplink serve exited: {log_path.read_text()}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"grouplink serve did not start in {timeout:g} s: {log_path.read_text()}")


def stop_process_groups(procs: list[subprocess.Popen[bytes]], grace: float = 10) -> None:
    """End processes started with ``start_new_session=True`` and everything in their
    groups: SIGTERM to each group, up to ``grace`` seconds for the leaders to exit,
    then SIGKILL to whatever is left (children a leader did not take down with it)."""
    for proc in procs:
        signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        with suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.0, deadline - time.monotonic()))
    for proc in procs:
        signal_group(proc, signal.SIGKILL)
        proc.wait()


def signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):  # nobody left in the group
        os.killpg(proc.pid, sig)  # the group's id is the leader's pid (start_new_session)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    stop_process_groups([proc])


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str | None]]:
    sqlite_dir = tmp_path_factory.mktemp("sqlite")
    # One database per test session, so parallel runs on one machine never collide.
    pg_name = f"grouplink_test_{os.getpid()}"
    pg_url = postgres_test_url(pg_name, required=False)  # missing: its tests skip
    yield {"sqlite": f"sqlite:///{sqlite_dir}/grouplink.db", "postgresql": pg_url}
    if pg_url is not None:
        drop_postgres_database(pg_name)


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest,
    database_urls: dict[str, str | None],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    url = database_urls[request.param]
    if url is None:
        pytest.skip("PostgreSQL is not reachable (set GROUPLINK_TEST_POSTGRES_URL); CI runs it")
    proc, srv = start_server(url, tmp_path_factory.mktemp(f"data-{request.param}"))
    yield srv
    stop_server(proc)


@pytest.fixture
def biz(server: Server) -> Business:
    """A fresh business with one phone number and a token, on the test's server."""
    return make_business(server.database_url, server.graph)


@pytest.fixture
def api(biz: Business) -> Iterator[httpx.Client]:
    """The business's Graph API client; every answer is checked against Meta's schemas."""
    with graph_client(biz.graph, biz.token) as client:
        yield client


@contextmanager
def own_server(backend: str, data_dir: Path, workers: int = 1, **settings: str) -> Iterator[Server]:
    """A server on a database of its own, for tests whose settings must not meet
    the shared server's (its dispatchers would deliver their webhooks too)."""
    if backend == "sqlite":
        url: str | None = f"sqlite:///{data_dir}/own.db"
    else:
        name = f"grouplink_own_{os.getpid()}_{free_port()}"
        url = postgres_test_url(name, required=True)
    assert url is not None
    proc, srv = start_server(url, data_dir, workers=workers, **settings)
    try:
        yield srv
    finally:
        stop_server(proc)
        if backend == "postgresql":
            drop_postgres_database(sa_url_database(url))


def sa_url_database(url: str) -> str:
    return url.rsplit("/", 1)[1]
