"""Rate limits in Redis, through ``limits``: a moving window, exact across every worker.

If Redis fails, requests are let through (and logged): a rate limit must not take
the site down with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from grouplink.domain.limits import Hit

log = structlog.get_logger("grouplink.throttle")


@cache
def _items(rate: str) -> list[RateLimitItem]:
    return parse_many(rate)


class RedisCounts:
    def __init__(self, redis_url: str) -> None:
        storage = RedisStorage(
            "async+" + redis_url,
            implementation="redispy",
            wrap_exceptions=True,
            key_prefix="grouplink",
        )
        self.limiter = MovingWindowRateLimiter(storage)

    async def take(self, hits: Sequence[Hit]) -> bool:
        """Count each hit in turn; False at the first that a rule refuses."""
        try:
            for hit in hits:
                for item in _items(hit.rate):
                    if not await self.limiter.hit(item, hit.scope, hit.key):
                        return False
        except StorageError as error:
            log.warning("rate limit storage failed; letting the request through", error=str(error))
        return True
