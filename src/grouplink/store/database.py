"""Connections and transactions, on SQLite or PostgreSQL.

Every write runs in :meth:`Database.write`. On SQLite that is ``BEGIN IMMEDIATE``
(the database's write lock is taken up front, so two writers never deadlock on
an upgrade) behind an in-process lock and an ``flock`` of a file beside the
database (so writers of one process queue in asyncio, and those of several
processes in the kernel, which wakes the next one when the lock is let go,
rather than in SQLite's busy handler, which sleeps up to 100 ms between tries).
On PostgreSQL it is a READ COMMITTED transaction; services lock the group row
they change with ``SELECT ... FOR UPDATE`` (see :func:`grouplink.store.queries.lock_group`).

Reads (:meth:`Database.read`) are a deferred transaction on SQLite, so all their
statements see one snapshot. On PostgreSQL they run without BEGIN and COMMIT:
under READ COMMITTED every statement takes its own snapshot even inside a
transaction, so one would only add two round trips to each read.

Both backends keep ``pool_size`` connections per process and open no more:
a request that finds them all busy waits for one. (Connections opened beyond
the pool in a burst were closed when it ebbed and opened again in the next:
on PostgreSQL each one is a new server process, a handshake and an empty
prepared-statement cache.)
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlalchemy as sa
import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import greenlet_spawn

from grouplink.store import changes, committed, driver, notifications, shared_write
from grouplink.store.changes import Changes, Noted
from grouplink.store.committed import Notes
from grouplink.store.driver import Tx
from grouplink.store.listener import ChangeListener
from grouplink.store.outage import unavailable
from grouplink.store.shared_write import OnOpen, SharedWrite

log = structlog.get_logger("grouplink.store")

SQLITE_BUSY_TIMEOUT_S = 30.0  # a writer outside grouplink holding the lock longer: 503
T = TypeVar("T")
CONNECT_TIMEOUT_S = 5.0  # asyncpg's own is 60 s: a request would wait that long for a 503


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S,
    ) -> None:
        self.url = sa.engine.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._process_lock = _ProcessLock.beside(self.url) if self.is_sqlite else None
        self.changes = Changes.of(self.url)
        self._down_since: float | None = None  # when the last outage began (monotonic)
        self.report_outages = True  # one log line when an outage begins, one when it ends
        if self.is_sqlite:
            self.engine = _sqlite_engine(self.url, echo, pool_size, busy_timeout_s)
            self._reads = self.engine
        else:
            self.engine = _postgres_engine(self.url, echo, pool_size)
            self._reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def where(self) -> str:
        """host:port of the server, or the SQLite file: for people, never with a password."""
        if self.is_sqlite:
            return self.url.database or ":memory:"
        return f"{self.url.host or 'localhost'}:{self.url.port or 5432}"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """For statements that only read; never write in here (see the module's doc)."""
        shared = shared_write.joined(self)
        if shared is not None and shared.conn is not None:
            async with self._outages_named():
                yield shared.conn  # what this block wrote so far, on its one connection
            return
        async with self._connected(self._reads) as conn, conn.begin():
            yield conn

    async def ping(self) -> None:
        """One round trip; raises :class:`Unavailable` when the database does not answer."""
        async with self.read() as conn:
            await conn.execute(sa.text("SELECT 1"))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that may write; what it notes as changed
        (:func:`grouplink.store.changes.note_change`) is recorded once it has ended,
        and on PostgreSQL announced to every process (delivered only on commit).

        Inside :meth:`shared_write`, a SAVEPOINT in the block's transaction instead."""
        shared = shared_write.joined(self)
        if shared is not None:
            conn = await shared.open()
            with committed.savepoint(conn):
                async with self._outages_named(), conn.begin_nested():
                    yield conn
            return
        noted, notes = Noted(), committed.Notes()
        try:
            async with self._transaction() as conn:
                conn.info[changes.NOTED], conn.info[committed.KEY] = noted, notes
                try:
                    yield conn
                    if not self.is_sqlite and noted.unannounced:
                        await notifications.announce(conn, noted.unannounced)
                finally:
                    del conn.info[changes.NOTED], conn.info[committed.KEY]
            notes.tell()  # reached only once the COMMIT went through
        finally:
            if noted.slots:  # also after a failed COMMIT, which may still have committed
                self.changes.record(noted.slots)

    @asynccontextmanager
    async def shared_write(self, on_open: OnOpen) -> AsyncIterator[SharedWrite]:
        """Every write of this task, until the block ends, in one transaction that the
        block commits (:mod:`grouplink.store.shared_write`); not committed: rolled back."""
        announce = None if self.is_sqlite else notifications.announce
        shared = SharedWrite(self, self._transaction, self.changes, on_open, announce)
        token = shared_write.current.set(shared)
        try:
            yield shared
        finally:
            shared_write.current.reset(token)
            await shared.rollback()  # a no-op once committed

    async def run(self, flow: Callable[[Tx], T]) -> T:
        """``flow``, a use case written against the driver (:mod:`grouplink.store.driver`),
        in a transaction of its own, with what it noted recorded and told as
        :meth:`write` does; inside :meth:`shared_write`, in the shared transaction."""
        if shared_write.joined(self) is not None:
            async with self.write() as conn:  # its SAVEPOINT, its notes
                noted, notes = conn.info[changes.NOTED], conn.info[committed.KEY]
                raw = (await conn.get_raw_connection()).driver_connection
                return await self._run_on(raw, flow, noted, notes, own=False)
        noted, notes = Noted(), committed.Notes()
        try:
            # The machine's lock (SQLite) is taken in the connection's thread, around the
            # transaction: held across no turn of the event loop (see _run_on).
            async with self._process_turn(), self._connected(self.engine) as conn:
                raw = (await conn.get_raw_connection()).driver_connection
                result = await self._run_on(raw, flow, noted, notes, own=True)
            notes.tell()  # reached only once the COMMIT went through
            return result
        finally:
            if noted.slots:  # also after a failed COMMIT, which may still have committed
                self.changes.record(noted.slots)

    async def _run_on(
        self, raw: Any, flow: Callable[[Tx], T], noted: Noted, notes: Notes, *, own: bool
    ) -> T:
        if self.is_sqlite:  # aiosqlite's connection: the stdlib one, in its thread
            run, fd = driver.in_sqlite_thread, None
            if own and self._process_lock is not None:
                fd = self._process_lock.fd
            done = await raw._execute(run, raw._conn, flow, noted, notes, own=own, lock_fd=fd)
            return cast(T, done)
        if not own:
            return await greenlet_spawn(driver.on_postgres, raw, flow, noted, notes, own=False)
        async with raw.transaction():
            return await greenlet_spawn(driver.on_postgres, raw, flow, noted, notes, own=True)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._write_locks(), self._connected(self.engine) as conn:
            if self.is_sqlite:
                await conn.execution_options(sqlite_immediate=True)
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def _process_turn(self) -> AsyncIterator[None]:
        """On SQLite, this process's turn to write (its writers share one ``flock``, which
        cannot keep them from each other)."""
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    @asynccontextmanager
    async def _write_locks(self) -> AsyncIterator[None]:
        """On SQLite, this process's turn to write, then the machine's (see the module's doc)."""
        if self._write_lock is None:
            yield
            return
        async with self._write_lock, _holding(self._process_lock):
            yield

    def change_listener(self) -> ChangeListener | None:
        """What records, in :attr:`changes`, the changes other machines commit (run it
        as a task): None on SQLite, which serves one machine."""
        return None if self.is_sqlite else ChangeListener(self.engine, self.changes)

    @asynccontextmanager
    async def _connected(self, engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
        """A pooled connection; a failure that means the database is out of reach
        leaves as :class:`Unavailable` (see :mod:`grouplink.store.outage`)."""
        conn = engine.connect()
        try:
            await conn.start()
        except Exception as error:
            self._raise_if_outage(error, connecting=True)
            raise
        if self._down_since is not None:
            self._back()
        try:
            yield conn
        except Exception as error:
            self._raise_if_outage(error, connecting=False)
            raise
        finally:
            await conn.close()

    @asynccontextmanager
    async def _outages_named(self) -> AsyncIterator[None]:
        """For a connection :meth:`_connected` handed out earlier (a shared write's)."""
        try:
            yield
        except Exception as error:
            self._raise_if_outage(error, connecting=False)
            raise

    def _raise_if_outage(self, error: Exception, *, connecting: bool) -> None:
        """Raise ``error`` as Unavailable if it is an outage (logged once per outage)."""
        outage = unavailable(error, connecting=connecting)
        if outage is None or outage is error:
            return
        if self._down_since is None and self.report_outages:
            self._down_since = time.monotonic()
            log.warning("database unreachable", at=self.where, cause=outage.cause)
        raise outage from error

    def _back(self) -> None:
        seconds = round(time.monotonic() - (self._down_since or 0.0), 1)
        self._down_since = None
        log.info("database reachable again", at=self.where, after_s=seconds)

    async def dispose(self) -> None:
        await self.engine.dispose()


class _ProcessLock:
    """An exclusive ``flock`` on ``<database>.lock``, shared by every process that
    writes through :class:`Database`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def fd(self) -> int:
        if self._fd is None:  # opened on the first write, closed with this object
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            weakref.finalize(self, os.close, self._fd)
        return self._fd

    @classmethod
    def beside(cls, url: sa.URL) -> _ProcessLock | None:
        if not url.database or url.database == ":memory:":
            return None  # one process's own database
        return cls(url.database + ".lock")

    async def acquire(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        waiting = asyncio.get_running_loop().run_in_executor(
            None, fcntl.flock, self.fd, fcntl.LOCK_EX
        )
        try:
            await asyncio.shield(waiting)
        except BaseException:
            # Cancelled while queued: let go as soon as the thread has the lock.
            waiting.add_done_callback(lambda _: self.release())
            raise

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


@asynccontextmanager
async def _holding(lock: _ProcessLock | None) -> AsyncIterator[None]:
    if lock is None:
        yield
        return
    await lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _postgres_engine(url: sa.URL, echo: bool, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        echo=echo,
        # No pre-ping (a round trip at every checkout): the checkout below asks the
        # driver instead, which already knows when the server closed the socket.
        pool_pre_ping=False,
        connect_args={"timeout": CONNECT_TIMEOUT_S},
    )

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        # A connection the server (or a proxy, or a restart) closed while it sat in
        # the pool: the pool drops it and opens a fresh one for this checkout.
        if dbapi_conn.driver_connection.is_closed():
            raise sa.exc.DisconnectionError("the pooled connection was closed")

    return engine


def _sqlite_engine(url: sa.URL, echo: bool, pool_size: int, busy_timeout_s: float) -> AsyncEngine:
    if url.database and url.database != ":memory:":
        # If it cannot be made, opening the file fails as "unable to open database file".
        with contextlib.suppress(OSError):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"timeout": busy_timeout_s},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            f"busy_timeout={round(busy_timeout_s * 1000)}",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
