"""Each process counts link-page opens in memory and writes them every few seconds.

Opening a page adds nothing to the database on its way: a view only joins this
process's list. A flush turns the list into the day's marks (``store/opens.py``),
where the database's key makes each visitor count once per link and day across every
process and machine, and grows each link's ``open_count`` by its new marks. A crash
loses at most the views of the last few seconds of that process. While the database
is out of reach the views wait in memory (up to ``MAX_PENDING``) for the flush that
works.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from grouplink.domain.days import utc_day
from grouplink.domain.errors import Unavailable
from grouplink.domain.opens import visitor_mark
from grouplink.services.background import Rounds
from grouplink.services.core import Core
from grouplink.store import opens

log = structlog.get_logger("grouplink.opens")

MAX_PENDING = 20_000  # views kept between two flushes; past it, views are dropped
FORGET_AFTER_MS = 10 * 60_000
MAX_SENT = 200_000  # marks this process already wrote today, to skip sending them again


class OpenCounter:
    def __init__(self, core: Core, every_s: float = 2.0) -> None:
        self.core = core
        self.every_s = every_s
        self._pending: set[tuple[int, int, str]] = set()
        self._sent: set[tuple[int, int, int]] = set()
        self._keys: dict[int, bytes] = {}
        self._stopping = asyncio.Event()
        self.rounds = Rounds(log, "counting opens", every_s)

    @property
    def pending(self) -> int:
        """Views seen and not yet written."""
        return len(self._pending)

    def seen(self, link_pk: int, visitor: str) -> None:
        """A visitor opened the page of a working (or paused) link."""
        if len(self._pending) < MAX_PENDING:
            self._pending.add((link_pk, utc_day(self.core.clock()), visitor))

    async def flush(self) -> int:
        """Write what was seen since the last flush: how many opens were new."""
        if not self._pending:
            return 0
        pending, self._pending = self._pending, set()
        try:
            async with self.core.db.write() as conn:
                for day in sorted({day for _, day, _ in pending} - self._keys.keys()):
                    self._keys[day] = await opens.day_key(conn, day)
                marks = {
                    (link, day, visitor_mark(self._keys[day], visitor))
                    for link, day, visitor in pending
                }
                new = await opens.add_marks(conn, marks - self._sent)
        except Exception:
            room = max(0, MAX_PENDING - len(self._pending))
            self._pending |= set(list(pending)[:room])  # the next flush tries them again
            raise
        self._keys = {day: key for day, key in self._keys.items() if day >= max(self._keys) - 1}
        if len(self._sent) > MAX_SENT:
            self._sent.clear()
        self._sent |= marks
        return new

    async def forget_old_days(self) -> None:
        """Past days' keys and marks go a few minutes into the next day (so that views
        flushed late by any process still meet the day's key)."""
        async with self.core.db.write() as conn:
            await opens.forget_before(conn, utc_day(self.core.clock() - FORGET_AFTER_MS))

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        day = None
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.rounds.wait_s)
            try:
                await self.flush()
                if day != (today := utc_day(self.core.clock() - FORGET_AFTER_MS)):
                    await self.forget_old_days()
                    day = today
                self.rounds.worked()
            except Exception as error:
                self.rounds.failed(error)  # the views wait for the next flush

    async def last_flush(self) -> None:
        """At shutdown: write what is left, or say in one line what could not be."""
        try:
            await self.flush()
        except Unavailable as error:
            log.warning(
                "opens not written: database unreachable", views=self.pending, cause=error.cause
            )
