"""The processes under test: one ``grouplink serve --workers 4`` (uvicorn's supervisor
and its four app workers) and two ``grouplink worker`` processes, and how the soak
kills one of each.

An app worker is killed as the child of uvicorn's supervisor: the clients reach all
four through the one listening socket, so a kill lands on whatever that worker was
answering, and the supervisor (as in production) starts a new one. A webhook worker
has no supervisor here, so the soak itself starts a new one in its place.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

from bench.serving.server import ROOT, UNLIMITED, Server

APP_WORKERS = 4
WEBHOOK_WORKERS = 2


def soak_settings(database_url: str, max_participants: int) -> dict[str, str]:
    """What the soak changes from the defaults, for servers and workers alike."""
    return {
        "GROUPLINK_DATABASE_URL": database_url,
        "GROUPLINK_DISPATCHER": "off",  # the two `grouplink worker` processes deliver
        "GROUPLINK_SANDBOX": "true",  # joins and leaves go through the sandbox helpers
        "GROUPLINK_MAX_PARTICIPANTS": str(max_participants),  # small: groups fill up
        # One client address for every simulated person: per-address limits would 429.
        "GROUPLINK_RATE_JOIN": UNLIMITED,
        "GROUPLINK_RATE_LINK_PAGE": UNLIMITED,
        "GROUPLINK_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
        # Six processes on one PostgreSQL that other work shares: 36 connections, not 60.
        "GROUPLINK_DB_POOL_SIZE": "6",
        # Retries within seconds, not hours, and a dead worker's leases back soon.
        "GROUPLINK_WEBHOOK_TIMEOUT_SECONDS": "1",
        "GROUPLINK_WEBHOOK_BACKOFF_BASE_MS": "200",
        "GROUPLINK_WEBHOOK_BACKOFF_CAP_MS": "2000",
        "GROUPLINK_WEBHOOK_LEASE_SECONDS": "5",
        "GROUPLINK_LOG_LEVEL": "warning",
    }


class AppServer:
    """``grouplink serve --workers 4``, started as the request benchmark starts it."""

    def __init__(self, settings: dict[str, str], workdir: Path) -> None:
        self.server = Server(settings["GROUPLINK_DATABASE_URL"], workdir, APP_WORKERS, settings)
        self.base_url = self.server.base_url

    def wait_ready(self) -> None:
        self.server.wait_ready()

    def kill_one(self, rng: random.Random, timeout: float = 90) -> bool:
        """SIGKILL one worker; True once the supervisor has all four again."""
        deadline = time.monotonic() + timeout
        while len(pids := self.server.worker_pids()) < APP_WORKERS:  # one still starting
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        victim = rng.choice(pids)
        with suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
        while time.monotonic() < deadline:
            now = self.server.worker_pids()
            if victim not in now and len(now) >= APP_WORKERS:
                return True
            time.sleep(0.2)
        return False

    def log_tail(self) -> str:
        return self.server.log_tail()

    def stop(self) -> None:
        self.server.stop()


class WebhookWorkers:
    """The ``grouplink worker`` processes; each restart takes a new name, as a new
    process on another machine would, so the dead one's leases must time out."""

    def __init__(self, settings: dict[str, str], workdir: Path) -> None:
        self.env = {**os.environ, **settings}
        self.workdir = workdir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.started = 0
        for _ in range(WEBHOOK_WORKERS):
            self.procs.append(self._start())

    def _start(self) -> subprocess.Popen[bytes]:
        self.started += 1
        name = f"soak-worker-{self.started}"
        with open(self.workdir / f"{name}.log", "wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "grouplink", "worker", "--name", name],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )

    def kill_one(self, rng: random.Random) -> bool:
        """SIGKILL one worker and start another in its place; True if it is running."""
        slot = rng.randrange(len(self.procs))
        victim = self.procs[slot]
        with suppress(ProcessLookupError):
            victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.procs[slot] = self._start()
        return self.procs[slot].poll() is None

    def running(self) -> int:
        return sum(proc.poll() is None for proc in self.procs)

    def stop(self, grace: float = 15) -> None:
        for proc in self.procs:
            with suppress(ProcessLookupError):
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
