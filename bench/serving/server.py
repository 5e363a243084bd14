"""The server under test: a real ``grouplink serve`` with several worker processes,
set up for a benchmark, and what its workers held in memory at their peak."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNLIMITED = "1000000/second"

# What a benchmark changes from the defaults, and why:
BENCH_SETTINGS = {
    # Outbox rows are written in each change's transaction, but not delivered:
    # delivery is measured by bench.webhooks, and here would compete for the CPUs.
    "GROUPLINK_DISPATCHER": "off",
    "GROUPLINK_SANDBOX": "true",  # joins go through POST /sandbox/invites/{code}/join
    # Joins and approvals fill the groups they target; WhatsApp's own groups hold 1,024.
    "GROUPLINK_MAX_PARTICIPANTS": "1024",
    # One load generator on one address: per-address limits would answer 429.
    "GROUPLINK_RATE_LINK_PAGE": UNLIMITED,
    "GROUPLINK_RATE_JOIN": UNLIMITED,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``grouplink serve --workers N`` in its own process group, logging to a file; the
    code of this checkout, or of another (``root``) whose modules ``env`` puts first
    on PYTHONPATH."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        workers: int,
        env: dict[str, str],
        root: Path = ROOT,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{self.port}.log"
        environment = {
            **os.environ,
            **BENCH_SETTINGS,
            "GROUPLINK_DATABASE_URL": database_url,
            "GROUPLINK_DATA_DIR": str(workdir),
            "GROUPLINK_PORT": str(self.port),
            **env,
        }
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "grouplink", "serve", "--workers", str(workers)],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=root,
                start_new_session=True,
            )
        self.workers = workers

    def wait_ready(self, timeout: float = 120) -> None:
        """Until every worker answers: the supervisor has all its children and /healthz is up."""
        wait_answering(
            self.proc,
            self.base_url + "/healthz",
            "grouplink serve",
            self.log_tail,
            timeout,
            also=lambda: len(self.worker_pids()) >= self.workers,
        )

    def worker_pids(self) -> list[int]:
        """uvicorn's workers: the supervisor's spawned children (not its resource
        tracker); with one worker, uvicorn serves from the process it was started in."""
        if self.workers == 1:
            return [self.proc.pid]
        return [pid for pid in children(self.proc.pid) if b"spawn_main" in command_line(pid)]

    def peak_memory_mb(self) -> list[float]:
        """Each worker's peak resident memory (VmHWM), in MiB."""
        return [peak_rss_kib(pid) / 1024 for pid in self.worker_pids()]

    def log_tail(self, lines: int = 30) -> str:
        return log_tail(self.log_path, lines)

    def stop(self, grace: float = 15) -> None:
        stop_group(self.proc, grace)


def wait_answering(
    proc: subprocess.Popen[bytes],
    url: str,
    what: str,
    log_tail: Callable[[], str],
    timeout: float,
    *,
    also: Callable[[], bool] = lambda: True,
    pause: float = 0.1,
) -> None:
    """Until ``url`` answers 200 (and ``also()`` holds); RuntimeError with the log's
    tail if the process exits first or ``timeout`` seconds go by."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{log_tail()}")
        with suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:
            if answer.status == 200 and also():
                return
        time.sleep(pause)
    raise RuntimeError(f"{what} did not start in {timeout:g} s:\n{log_tail()}")


def log_tail(path: Path, lines: int) -> str:
    """The last ``lines`` of a process's log, as far as it was written."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def stop_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """Stop a process started with ``start_new_session``: SIGTERM to its group, up to
    ``grace`` seconds to end, then SIGKILL to whatever of the group is left (workers or
    children it left behind)."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(grace)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with suppress(OSError):
            found += [int(child) for child in task.read_text().split()]
    return sorted(found)


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")
