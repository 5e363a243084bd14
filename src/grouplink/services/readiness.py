"""Is this process ready for traffic: does the database answer, and Redis when set?

``/healthz`` says the process runs (liveness); this says whether what it needs
answers (readiness), each check bounded by ``CHECK_TIMEOUT_S``. What is down is
said as one word per check; the cause goes to the log, once per outage.
"""

from __future__ import annotations

import asyncio

import structlog
from redis.asyncio import Redis

from grouplink.domain.errors import Unavailable
from grouplink.store.database import Database

log = structlog.get_logger("grouplink.readiness")

CHECK_TIMEOUT_S = 2.0
OK, UNREACHABLE = "ok", "unreachable"


class Readiness:
    def __init__(self, db: Database, redis_url: str = "") -> None:
        self.db = db
        self._redis = (
            Redis.from_url(
                redis_url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
            )
            if redis_url
            else None
        )
        self._redis_down = False

    async def check(self) -> dict[str, str]:
        """{"database": "ok" or "unreachable", "redis": ... when Redis is set}."""
        checks = [self._database()]
        if self._redis is not None:
            checks.append(self._redis_check(self._redis))
        found = await asyncio.gather(*checks)
        return dict(zip(("database", "redis"), found, strict=False))

    async def _database(self) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await self.db.ping()
        except (Unavailable, TimeoutError):
            return UNREACHABLE  # the database logged why, once for the outage
        return OK

    async def _redis_check(self, redis: Redis) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await redis.ping()
        except Exception as error:  # refused, reset, timed out, or Redis answering an error
            if not self._redis_down:
                log.warning("redis unreachable", cause=f"{type(error).__name__}: {error}")
            self._redis_down = True
            return UNREACHABLE
        if self._redis_down:
            log.info("redis reachable again")
        self._redis_down = False
        return OK

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
