"""Before ``serve``, ``worker`` and ``migrate`` start: wait for the database, within bounds.

A server started with its database (both brought up at once, or the database
restarting) waits for it rather than die with a traceback: one line says it
waits, and it starts as soon as the database answers. Past the wait it gives up
with one line. SQLite is a file, not a server to wait for: one try.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from grouplink.domain.errors import Unavailable
from grouplink.store.database import Database

TRY_EVERY_S = 1.0


class DatabaseRefused(Exception):
    """The database answered, but not as one that lets us in (a bad password, no such
    database): waiting would not help."""


async def wait_for_database(db: Database, seconds: float, say: Callable[[str], None]) -> None:
    """Return once ``db`` answers; raise :class:`Unavailable` if it has not within
    ``seconds``, :class:`DatabaseRefused` at once if it refuses us."""
    deadline = time.monotonic() + seconds
    said = False
    db.report_outages = False  # the one line here says it, not the log's
    try:
        while True:
            try:
                await db.ping()
                return
            except Unavailable:
                left = deadline - time.monotonic()
                if db.is_sqlite or left <= 0:
                    raise
            except Exception as error:
                raise DatabaseRefused(f"{type(error).__name__}: {error}") from error
            if not said:
                say(f"waiting for the database at {db.where} ...")
                said = True
            await asyncio.sleep(min(TRY_EVERY_S, left))
    finally:
        db.report_outages = True
