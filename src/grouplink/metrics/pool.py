"""The database pool of this process, sampled once a second.

Each worker process has its own pool, and only it can read it: so each one writes
its figures down, and a scrape that any worker answers shows every living
worker's (the ``pid`` label under ``--workers N``). Sampled rather than counted
at each checkout: a figure written to the multiprocess folder costs a few
microseconds, which every request would pay; a sample a second costs nothing
that a request sees, and is as fresh as a scrape every 15 s needs.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.pool import Pool

from grouplink.metrics.meters import POOL_CHECKED_OUT, POOL_OVERFLOW, POOL_SIZE
from grouplink.store.database import Database

EVERY_S = 1.0


class PoolSampler:
    """Run as a task for the life of the process (``run``, then ``stop``)."""

    def __init__(self, db: Database, every_s: float = EVERY_S) -> None:
        self._engine = db.engine.sync_engine
        self.every_s = every_s
        self._stopping = asyncio.Event()
        POOL_SIZE.set(_read(self._engine.pool, "size"))
        self.sample()

    def sample(self) -> None:
        pool = self._engine.pool  # afresh: Engine.dispose() puts a new one in its place
        POOL_CHECKED_OUT.set(_read(pool, "checkedout"))
        POOL_OVERFLOW.set(_read(pool, "overflow"))

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.every_s)


def _read(pool: Pool, figure: str) -> int:
    # QueuePool's (the pool of both backends); its overflow() counts connections it
    # opened less its size, negative until it is full.
    method = getattr(pool, figure, None)
    return max(0, int(method())) if callable(method) else 0
