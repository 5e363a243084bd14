"""The database pool of this process, kept current by the pool's own events.

Each worker process has its own pool, and only it can read it: so each one writes
its figures as it goes (a checkout, a return), and a scrape that any worker
answers shows every living worker's (the ``pid`` label under ``--workers N``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool

from grouplink.metrics.meters import POOL_CHECKED_OUT, POOL_OVERFLOW, POOL_SIZE
from grouplink.store.database import Database


def watch(db: Database) -> None:
    """Report ``db``'s pool from now on (call once per Database)."""
    pool = db.engine.sync_engine.pool
    size = getattr(pool, "size", None)  # QueuePool's (the pool of both backends)
    POOL_SIZE.set(int(size()) if callable(size) else 0)
    POOL_CHECKED_OUT.set(0)
    POOL_OVERFLOW.set(0)
    overflow = [0]  # as last written: a write to the figures' file costs more than a read

    @event.listens_for(pool, "checkout")
    def _out(_dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        POOL_CHECKED_OUT.inc()
        now = _overflow(pool)
        if now != overflow[0]:
            POOL_OVERFLOW.set(now)
            overflow[0] = now

    @event.listens_for(pool, "checkin")
    def _back(_dbapi_conn: Any, _record: Any) -> None:
        POOL_CHECKED_OUT.dec()


def _overflow(pool: Pool) -> int:
    # QueuePool counts connections it opened less its size (negative until it is full).
    overflow = getattr(pool, "overflow", None)
    return max(0, int(overflow())) if callable(overflow) else 0
