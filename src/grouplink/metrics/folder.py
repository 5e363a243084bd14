"""The folder where the worker processes of one ``grouplink serve`` keep their figures.

prometheus_client's multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set before
it is imported, every process writes its values to files of its own there, and a
scrape adds up the files. ``serve --workers N`` (N > 1) makes a new, empty folder
in the temporary folder (``TMPDIR``) for each start, so no figure of an earlier
run is ever added, and removes it when it exits. One worker alone keeps its
figures in memory and needs none.

A worker that dies is restarted by uvicorn under a new pid: its counters stay
(totals never go back), its gauges (the pool's) go. A worker that exits says so
itself; one that was killed is found out at the next scrape.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import multiprocess

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def current() -> str | None:
    """The folder, if this process counts in multiprocess mode."""
    return os.environ.get(VARIABLE) or None


@contextmanager
def for_workers(workers: int) -> Iterator[None]:
    """Around ``uvicorn.run``: a fresh folder for N > 1 workers, removed afterwards.
    Must run before anything imports prometheus_client in the workers (they inherit
    the environment)."""
    if workers <= 1:
        yield
        return
    made = tempfile.mkdtemp(prefix="grouplink-metrics-")
    os.environ[VARIABLE] = made
    try:
        yield
    finally:
        os.environ.pop(VARIABLE, None)
        shutil.rmtree(made, ignore_errors=True)


def started() -> None:
    """In a process that counts (a server worker): say it is gone when it exits."""
    path = current()
    if path is not None:
        atexit.register(multiprocess.mark_process_dead, os.getpid(), path)


def forget_dead() -> None:
    """Drop the gauges of workers that died without a word (killed): theirs would
    otherwise show as if they still lived."""
    path = current()
    if path is None:
        return
    for name in os.listdir(path):
        found = _LIVE_FILE.fullmatch(name)
        if found is not None and not _alive(int(found[1])):
            multiprocess.mark_process_dead(int(found[1]), path)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True
