"""Rate limits with ``limits``: in memory per process, or shared through Redis.

A rate is written as ``limits`` parses it: ``20/minute``, ``5/15 minutes``,
several separated by ``;``. The moving window counts exactly: at most N hits
in any span of the window's length. If Redis fails, requests are let through
(and logged): a rate limit must not take the site down with it.
"""

from __future__ import annotations

from functools import cache

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from grouplink.domain.errors import RateLimited

log = structlog.get_logger("grouplink.throttle")


@cache
def _rules(rate: str) -> list[RateLimitItem]:
    return parse_many(rate)


def storage_for(redis_url: str) -> Storage:
    if not redis_url:
        return MemoryStorage()
    return RedisStorage(
        "async+" + redis_url, implementation="redispy", wrap_exceptions=True, key_prefix="grouplink"
    )


class Throttle:
    def __init__(self, storage: Storage) -> None:
        self.limiter = MovingWindowRateLimiter(storage)

    async def allow(self, rate: str, scope: str, key: str) -> bool:
        """Count one hit of ``key`` in ``scope``; False once any rule of ``rate`` is spent."""
        try:
            for rule in _rules(rate):
                if not await self.limiter.hit(rule, scope, key):
                    return False
        except StorageError as error:
            log.warning("rate limit storage failed; letting the request through", error=str(error))
        return True

    async def check(self, rate: str, scope: str, key: str) -> None:
        if not await self.allow(rate, scope, key):
            raise RateLimited("Too many requests; wait a minute and try again")
