"""SQLite's writer thread: one per process, which runs whole use cases one after another.

A use case on the driver (:mod:`grouplink.store.driver`) is handed to this thread and
its answer handed back: one hop from the event loop and one back, and nothing else.
The thread keeps one stdlib ``sqlite3`` connection for its whole life, so a write
takes no connection from the pool and gives none back (the pool's rollback on return
was one more hop), and it goes from one use case to the next without waiting for the
event loop's turn: writers queue here, not on an ``asyncio.Lock``.

The machine's write lock (the ``flock`` beside the database, see
:mod:`grouplink.store.database`) is taken here around each transaction, through a
descriptor of this thread's own: ``flock`` tells two open descriptors apart even in
one process, so this thread and the process's other writers (SQLAlchemy's, which hold
the lock across turns of the event loop) exclude each other in the kernel.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import sqlite3
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar, cast

from grouplink.store import committed, driver
from grouplink.store.changes import Noted
from grouplink.store.driver import Tx

T = TypeVar("T")


class SqliteWriter:
    """The thread, started on the first use case and stopped by :meth:`close`."""

    def __init__(self, path: str, pragmas: tuple[str, ...], busy_timeout_s: float) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=_serve,
            args=(self._jobs, path, pragmas, busy_timeout_s),
            name="grouplink-sqlite-writer",
            daemon=True,
        )
        self._started = False
        # The thread holds the queue, not this object: once it is gone, the thread ends.
        weakref.finalize(self, self._jobs.put, None)

    async def run(self, flow: Callable[[Tx], T], noted: Noted, notes: committed.Notes) -> T:
        """``flow`` in a transaction of its own (BEGIN IMMEDIATE ... COMMIT)."""
        if not self._started:
            self._started = True
            self._thread.start()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        self._jobs.put(_Job(flow, noted, notes, loop, answer))
        # Cancelled, the caller stops waiting; the use case, once begun, still ends
        # whole (committed or rolled back), as a statement in any driver's thread does.
        return cast(T, await answer)

    async def close(self) -> None:
        """Let the use cases queued finish, then close the connection."""
        self._jobs.put(None)
        if self._started:
            await asyncio.to_thread(self._thread.join)


class _Job:
    __slots__ = ("answer", "flow", "loop", "noted", "notes")

    def __init__(
        self,
        flow: Callable[[Tx], Any],
        noted: Noted,
        notes: committed.Notes,
        loop: asyncio.AbstractEventLoop,
        answer: asyncio.Future[Any],
    ) -> None:
        self.flow, self.noted, self.notes = flow, noted, notes
        self.loop, self.answer = loop, answer


def _serve(
    jobs: queue.SimpleQueue[_Job | None], path: str, pragmas: tuple[str, ...], timeout: float
) -> None:
    conn: sqlite3.Connection | None = None
    lock_fd: int | None = None
    try:
        while (job := jobs.get()) is not None:
            try:
                if lock_fd is None:
                    lock_fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
                if conn is None:
                    conn = _connect(path, pragmas, timeout)
                done = driver.in_sqlite_thread(
                    conn, job.flow, job.noted, job.notes, own=True, lock_fd=lock_fd
                )
            except BaseException as error:  # handed to the caller, whatever it is
                _hand_back(job, None, error)
            else:
                _hand_back(job, done, None)
    finally:
        if lock_fd is not None:
            os.close(lock_fd)
        if conn is not None:
            conn.close()


def _connect(path: str, pragmas: tuple[str, ...], timeout: float) -> sqlite3.Connection:
    # A failure here ("unable to open database file") reaches the caller, and the next
    # use case tries again.
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        for pragma in pragmas:
            conn.execute(f"PRAGMA {pragma}")
    except BaseException:
        conn.close()
        raise
    return conn


def _hand_back(job: _Job, done: Any, error: BaseException | None) -> None:
    # A closed loop (RuntimeError) has nobody waiting for the answer any more.
    with contextlib.suppress(RuntimeError):
        job.loop.call_soon_threadsafe(_settle, job.answer, done, error)


def _settle(answer: asyncio.Future[Any], done: Any, error: BaseException | None) -> None:
    if answer.done():  # its caller was cancelled
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(done)
