"""Idempotent retries: a keyed write's answer, kept in the write's own transaction.

:func:`attempt` runs one request that carries an ``Idempotency-Key``. The request's
write and the keeping of its answer are one transaction
(:mod:`grouplink.store.shared_write`): both are committed, or neither is, so a
crash at any point leaves either nothing (the retry runs the write) or the write
with its answer (the retry gets the answer). Before anything runs, the transaction
takes the key (:func:`grouplink.store.idempotency.lock`) and looks for an answer
kept for it; finding one, or the key taken by a request still running, the
request is :class:`Refused`.

On PostgreSQL the transaction opens before the request runs, so a second request
with the same key while the first runs is refused at once (409). On SQLite it
opens at the request's first write, as SQLite has one write lock for the whole
database, not to be held while a request reads its body or calls a webhook
receiver; a second request waits for the first's commit and gets its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.errors import DomainError
from grouplink.domain.idempotency import (
    Answer,
    KeyInFlight,
    KeyReused,
    expired_before,
    is_kept,
)
from grouplink.services.background import Rounds
from grouplink.services.core import Core
from grouplink.store import idempotency as stored
from grouplink.store.shared_write import SharedWrite

log = structlog.get_logger("grouplink.idempotency")

SWEEP_BATCH = 1_000  # rows per DELETE, each in a transaction of its own
SWEEP_BATCHES = 20  # per round: a backlog is worked off over several rounds
SWEEP_EVERY_S = 600.0


class Refused(Exception):
    """The request is not run: the key's first ``answer`` is sent again, or ``error``
    says why not. Not a :class:`DomainError`, so that no route turns it into its answer."""

    def __init__(self, *, answer: Answer | None = None, error: DomainError | None = None) -> None:
        super().__init__("idempotency key refused")
        self.answer = answer
        self.error = error


class Attempt:
    """One keyed request, until its answer is kept (:meth:`finish`) or dropped."""

    def __init__(self, core: Core, business_id: str, key: str, fingerprint: str) -> None:
        self.core = core
        self.business_id = business_id
        self.key = key
        self.fingerprint = fingerprint
        self._shared: SharedWrite | None = None
        self._expired_found = False  # an expired answer for the key, not yet swept

    async def claim(self, conn: AsyncConnection) -> None:
        """First in the transaction: take the key, and refuse if it was used already."""
        if not await stored.lock(conn, self.business_id, self.key):
            raise Refused(error=KeyInFlight())
        await self.refuse_if_kept(conn)

    async def refuse_if_kept(self, conn: AsyncConnection) -> None:
        kept = await stored.find(conn, self.business_id, self.key)
        if kept is None:
            return
        if kept.created_at < expired_before(self.core.clock()):
            self._expired_found = True
            return
        if kept.fingerprint != self.fingerprint:
            raise Refused(error=KeyReused())
        raise Refused(answer=kept.answer.replayed())

    async def finish(self, answer: Answer) -> None:
        """Keep ``answer`` with the write and commit both, or, if it is not one to keep
        (:func:`is_kept`), roll the write back. Raises :class:`Refused` if the key was
        taken meanwhile (the request's write is then rolled back)."""
        assert self._shared is not None
        if not is_kept(answer.status):
            await self._shared.rollback()
            return
        conn = await self._shared.open()
        now = self.core.clock()
        await stored.keep(
            conn,
            self.business_id,
            self.key,
            self.fingerprint,
            answer,
            now,
            replacing=self._expired_found,
        )
        await self._shared.commit()


@asynccontextmanager
async def attempt(
    core: Core, business_id: str, key: str, fingerprint: str
) -> AsyncIterator[Attempt]:
    """Run a keyed request inside this block, then :meth:`Attempt.finish` it; raises
    :class:`Refused` (on entering, or from the request's first write) if it must not run."""
    run = Attempt(core, business_id, key, fingerprint)
    if core.db.is_sqlite:
        async with core.db.read() as conn:  # a replay needs no write lock
            await run.refuse_if_kept(conn)
    async with core.db.shared_write(run.claim) as shared:
        run._shared = shared
        if not core.db.is_sqlite:
            await shared.open()
        yield run


async def sweep(core: Core, batch: int = SWEEP_BATCH, batches: int = SWEEP_BATCHES) -> int:
    """Delete expired keys and answers, oldest first, up to ``batches`` times ``batch``
    (each batch a short transaction of its own): how many."""
    before, deleted = expired_before(core.clock()), 0
    for _ in range(batches):
        async with core.db.write() as conn:
            count = await stored.delete_before(conn, before, batch)
        deleted += count
        if count < batch:
            break
    return deleted


class Sweeper:
    """Runs :func:`sweep` in every server process, at start and every ``every_s``."""

    def __init__(self, core: Core, every_s: float = SWEEP_EVERY_S) -> None:
        self.core = core
        self.every_s = every_s
        self.rounds = Rounds(log, "idempotency sweep", every_s)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await sweep(self.core)
                self.rounds.worked()
            except Exception as error:
                self.rounds.failed(error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.rounds.wait_s)
