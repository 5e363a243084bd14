"""Which failures mean "the database cannot be reached just now": decided here, once.

:class:`grouplink.store.database.Database` passes every exception that leaves one
of its transactions through :func:`unavailable`; what it recognises becomes
:class:`~grouplink.domain.errors.Unavailable` (HTTP 503, Graph code 2, a
``Retry-After``), anything else goes on as the fault it is.

Recognised: a connection SQLAlchemy found dead (``connection_invalidated``), its
pool's timeout, PostgreSQL's connection errors (class 08, "the database system is
starting up", shutting down, too many connections), SQLite's "database is locked"
past the busy timeout and "unable to open database file" (also as the drivers raise
them to :mod:`grouplink.store.driver`, with a dropped connection's ``ConnectionError``),
and, while a connection is being made, any ``OSError`` (refused, reset, unknown host, timed out). An
``OSError`` raised later, inside a transaction, is not the driver's word: a
picture that cannot be decoded raises one too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import asyncpg
import sqlalchemy as sa

from grouplink.domain.errors import Unavailable

_POSTGRES_OUTAGES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08: the connection failed or was dropped
    asyncpg.CannotConnectNowError,  # starting up, or in recovery
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
T = TypeVar("T")

_SQLITE_OUTAGES = ("database is locked", "unable to open database file")


class ConnectionDropped(Unavailable):
    """The connection died under a statement (the server went away, or a firewall
    dropped it while it sat in the pool): a read may go through on a fresh one."""


def unavailable(error: BaseException, *, connecting: bool) -> Unavailable | None:
    """``error`` as :class:`Unavailable`, or None when it is some other fault.

    ``connecting``: the error came while a connection was being made or checked
    out, before any statement of the caller ran."""
    for link in _chain(error):
        if isinstance(link, Unavailable):
            return link
        if isinstance(link, sa.exc.DBAPIError) and link.connection_invalidated:
            return ConnectionDropped(_cause(link))
        if isinstance(link, sa.exc.TimeoutError | sa.exc.DisconnectionError):
            return Unavailable(_cause(link))  # the pool: none free in time, or none alive
        if isinstance(link, _POSTGRES_OUTAGES):
            return Unavailable(_cause(link)) if connecting else ConnectionDropped(_cause(link))
        if isinstance(link, sa.exc.OperationalError | sqlite3.OperationalError) and any(
            words in str(getattr(link, "orig", link)) for words in _SQLITE_OUTAGES
        ):
            return Unavailable(_cause(link))
        # Straight from the driver (store/driver.py), with no SQLAlchemy to say so: the
        # connection died under a statement.
        if isinstance(link, ConnectionError) or (
            isinstance(link, asyncpg.InterfaceError) and "connection is closed" in str(link)
        ):
            return Unavailable(_cause(link)) if connecting else ConnectionDropped(_cause(link))
        if connecting and isinstance(link, OSError):  # TimeoutError is one too
            return Unavailable(_cause(link))
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what SQLAlchemy wrapped (``orig``), and what caused each, in order."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        orig = getattr(link, "orig", None)
        link = orig if isinstance(orig, BaseException) else link.__cause__ or link.__context__


def _cause(error: BaseException) -> str:
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        error = error.orig  # not SQLAlchemy's text, which quotes the statement
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


async def read_again_if_dropped(read: Callable[[], Awaitable[T]]) -> T:
    """``read()``, and once more if its connection died under it.

    Only for reads: repeating one is harmless, and the second gets a fresh
    connection (SQLAlchemy drops the dead one and every one opened before it).
    Never for writes, whose COMMIT may have gone through before the connection died.
    """
    try:
        return await read()
    except ConnectionDropped:
        return await read()
