"""Hears, on PostgreSQL, the changes that other processes (on any machine) commit,
and records them in this process's :class:`~grouplink.store.changes.Changes`.

One connection of its own per process (asyncpg, outside the pool), which LISTENs
to :data:`grouplink.store.notifications.CHANNEL`. While it is not listening, the
process cannot know what other machines change, so the counters say they are not
complete and the read cache hands nothing out. Once it listens again, every
slot is marked changed: whatever was kept before may have been changed since.

A connection can die without a word (a network cut): a ping every
``ping_seconds`` that gets no answer within ``ping_timeout`` counts as a loss.
One log line on a loss, one when it listens again.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from typing import Any

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from grouplink.store.changes import EVERY_SLOT, Changes
from grouplink.store.notifications import CHANNEL, slots_in

log = structlog.get_logger("grouplink.store")

APPLICATION_NAME = "grouplink listener"  # as pg_stat_activity shows it
_CONNECT_KEYS = set(inspect.signature(asyncpg.connect).parameters)
_LOST = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class ChangeListener:
    def __init__(
        self,
        engine: AsyncEngine,
        changes: Changes,
        *,
        ping_seconds: float = 1.0,
        ping_timeout: float = 2.0,
        retry_seconds: float = 1.0,
    ) -> None:
        self._params = _connect_params(engine)
        self._changes = changes
        self._ping_seconds = ping_seconds
        self._ping_timeout = ping_timeout
        self._retry_seconds = retry_seconds
        self._stopped = False
        self._wake = asyncio.Event()  # set by stop() and when the connection ends
        self._listening = asyncio.Event()
        self._lost_since_logged = False

    async def run(self) -> None:
        """Listen until :meth:`stop`, connecting again after every loss."""
        while not self._stopped:
            try:
                conn = await asyncpg.connect(
                    **self._params,
                    timeout=self._ping_timeout,
                    server_settings={"application_name": APPLICATION_NAME},
                )
            except _LOST as error:
                self._lost(error)
                await self._nap(self._retry_seconds)
                continue
            try:
                await self._listen(conn)
            except _LOST as error:
                self._lost(error)
            finally:
                self._deaf()
                if self._stopped:
                    await _close(conn)
                else:
                    conn.terminate()  # lost: a polite close would wait on a dead line
            await self._nap(self._retry_seconds)

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def listening(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the listener to listen; whether it does."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), seconds)
        return self._listening.is_set()

    async def _listen(self, conn: asyncpg.Connection) -> None:
        conn.add_termination_listener(lambda _conn: self._wake.set())
        await conn.add_listener(CHANNEL, self._heard)
        # Listening from here on: what was kept before may have changed unheard.
        self._changes.record(EVERY_SLOT)
        self._changes.complete = True
        self._listening.set()
        if self._lost_since_logged:
            self._lost_since_logged = False
            log.warning("change notifications back: cached reads are on again")
        while not self._stopped:
            await self._nap(self._ping_seconds)
            if self._stopped:
                return
            if conn.is_closed():
                raise ConnectionError("the connection was closed")
            await asyncio.wait_for(conn.fetchval("SELECT 1"), self._ping_timeout)

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._changes.record(slots_in(payload))

    def _deaf(self) -> None:
        self._changes.complete = False
        self._listening.clear()

    def _lost(self, error: BaseException) -> None:
        self._deaf()
        if self._stopped or self._lost_since_logged:
            return
        self._lost_since_logged = True
        log.warning(
            "lost the change notifications: cached reads are off until they are back",
            error=str(error) or type(error).__name__,
        )

    async def _nap(self, seconds: float) -> None:
        """Sleep up to ``seconds``; :meth:`stop` or a closed connection wakes it."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        if not self._stopped:
            self._wake.clear()


def _connect_params(engine: AsyncEngine) -> dict[str, Any]:
    """asyncpg's arguments for the engine's URL, as its pool passes them."""
    _args, params = engine.dialect.create_connect_args(engine.url)
    return {key: value for key, value in params.items() if key in _CONNECT_KEYS}


async def _close(conn: asyncpg.Connection) -> None:
    try:
        await asyncio.wait_for(conn.close(), 2)
    except _LOST:
        pass  # gone already, or going: terminate() below ends it
    finally:
        if not conn.is_closed():
            conn.terminate()
