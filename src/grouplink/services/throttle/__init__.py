"""Rate limits shared by every worker and machine of a deployment, for every door.

With ``GROUPLINK_REDIS_URL`` the counts live in Redis (:mod:`.in_redis`). Without
it they live in the database: exact counters for what guards against guessing
and abuse (codes sent, codes and tokens typed, joins, Graph writes; see
:mod:`.exact`), and for page and picture views, which must cost no write each,
counts kept in memory and reconciled every second (:mod:`.views`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Protocol

import structlog

from grouplink.domain.errors import RateLimited, Unavailable
from grouplink.domain.limits import Hit
from grouplink.services.background import Rounds
from grouplink.services.core import Core
from grouplink.services.throttle.exact import DatabaseCounts
from grouplink.services.throttle.in_redis import RedisCounts
from grouplink.services.throttle.views import ViewCounts
from grouplink.store import counters, guesses

log = structlog.get_logger("grouplink.throttle")

SWEEP_EVERY_S = 60.0  # ended windows and forgiven numbers are deleted this often

__all__ = ["Hit", "Throttle"]


class Counts(Protocol):
    async def take(self, hits: Sequence[Hit]) -> bool: ...


class Throttle:
    def __init__(self, core: Core, redis_url: str = "", reconcile_every_s: float = 1.0) -> None:
        self.core = core
        self.reconcile_every_s = reconcile_every_s
        self._views: ViewCounts | None = None
        self._exact: Counts
        self._view_counts: Counts
        if redis_url:
            self._exact = self._view_counts = RedisCounts(redis_url)
        else:
            self._exact = DatabaseCounts(core)
            self._views = self._view_counts = ViewCounts(core)
        self._stopping = asyncio.Event()
        self.rounds = Rounds(log, "keeping the rate limits", reconcile_every_s)

    async def allow(self, *hits: Hit) -> bool:
        """Count the hits in turn, exactly; False at the first one over its rate."""
        return await self._exact.take(hits)

    async def check(self, *hits: Hit) -> None:
        if not await self.allow(*hits):
            raise RateLimited("Too many requests; wait a minute and try again")

    async def check_view(self, hit: Hit) -> None:
        """A page or picture view: counted without a database write of its own."""
        if not await self._view_counts.take((hit,)):
            raise RateLimited("Too many requests; wait a minute and try again")

    async def reconcile(self) -> None:
        if self._views is not None:
            await self._views.reconcile()

    async def sweep(self) -> None:
        """Forget counters whose windows ended, and numbers whose wrong codes are forgiven."""
        now = self.core.clock()
        async with self.core.db.write() as conn:
            await counters.forget_ended(conn, now)
            await guesses.forget_old(conn, now)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        swept_at = float("-inf")
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.rounds.wait_s)
            try:
                await self.reconcile()
                if loop.time() - swept_at >= SWEEP_EVERY_S:
                    swept_at = loop.time()
                    await self.sweep()
                self.rounds.worked()
            except Exception as error:
                self.rounds.failed(error)  # views not sent stay pending for the next round

    async def last_reconcile(self) -> None:
        """At shutdown: send the views let through, unless the database is away."""
        try:
            await self.reconcile()
        except Unavailable as error:
            log.warning("rate limit views not sent: database unreachable", cause=error.cause)
