"""One transaction for every write of a block of work, ended by whoever began the block.

:meth:`Database.shared_write` makes one for the current task: from then on, each
:meth:`Database.write` joins it (under a SAVEPOINT, so a use case that fails undoes
its own statements and no more) instead of committing on its own, and each
:meth:`Database.read` once it is open reads in it (what it wrote, on one
connection). The transaction opens at the first write, or at :meth:`SharedWrite.open`,
and first runs ``on_open`` on its connection; the block's owner then commits or
rolls back. The Idempotency-Key keeps a write's answer this way, in the write's own
transaction (services/idempotency.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store import changes, committed
from grouplink.store.changes import Changes, Noted

OnOpen = Callable[[AsyncConnection], Awaitable[None]]
Announce = Callable[[AsyncConnection, set[int]], Awaitable[None]]  # to other machines


class RolledBack(Exception):
    """Thrown into the transaction's context manager to roll it back."""


class SharedWrite:
    def __init__(
        self,
        owner: object,
        begin: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
        recorder: Changes,
        on_open: OnOpen,
        announce: Announce | None = None,
    ) -> None:
        self.owner = owner  # the Database whose writes join
        self._begin = begin
        self._changes = recorder
        self._on_open = on_open
        self._announce = announce
        self._transaction: AbstractAsyncContextManager[AsyncConnection] | None = None
        self._noted = Noted()
        self._notes = committed.Notes()
        self.conn: AsyncConnection | None = None

    async def open(self) -> AsyncConnection:
        """The transaction's connection, opened (and ``on_open`` run) on first use.
        If ``on_open`` raises, the transaction is rolled back and the next call tries again."""
        if self.conn is not None:
            return self.conn
        transaction = self._begin()
        conn = await transaction.__aenter__()
        conn.info[changes.NOTED], conn.info[committed.KEY] = self._noted, self._notes
        self._transaction, self.conn = transaction, conn
        try:
            await self._on_open(conn)
        except BaseException:
            await self.rollback()
            raise
        return conn

    async def commit(self) -> None:
        await self._end(None)

    async def rollback(self) -> None:
        await self._end(RolledBack())

    async def _end(self, error: BaseException | None) -> None:
        transaction, conn = self._transaction, self.conn
        if transaction is None or conn is None:
            return
        self._transaction = self.conn = None
        try:
            if error is None and self._announce is not None and self._noted.unannounced:
                await self._announce(conn, self._noted.unannounced)  # sent on commit only
            del conn.info[changes.NOTED], conn.info[committed.KEY]
            if error is None:
                await transaction.__aexit__(None, None, None)
                self._notes.tell()  # reached only once the COMMIT went through
            else:
                await transaction.__aexit__(type(error), error, None)
        finally:
            self._notes = committed.Notes()
            if self._noted.slots:  # also after a failed COMMIT, which may still have committed
                self._changes.record(self._noted.slots)
                self._noted = Noted()


current: ContextVar[SharedWrite | None] = ContextVar("grouplink_shared_write", default=None)


def joined(owner: Any) -> SharedWrite | None:
    """The shared write of this task that ``owner``'s writes join, if there is one."""
    shared = current.get()
    return shared if shared is not None and shared.owner is owner else None
