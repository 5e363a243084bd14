"""Which cached reads a committed write may have made stale, told to every process
that may have cached them.

A small file of counters, mapped into memory by every process of this machine
that opens the same database (``<database>.changes`` beside a SQLite file; for
PostgreSQL, in this user's private folder in the temporary folder, named after
the URL's host, port and database: see :mod:`grouplink.store.counter_file`).
Word 0 is a sequence that every recorded change advances; each other word is a
*slot* and holds the sequence number of the last change to anything hashed to
it: a group's rows (its links and picture included) by the group's key, the API
tokens by one slot of their own. Reading a word is a memory load, so a cache can
check an entry on every hit for the price of a dictionary lookup.

Writers name what they change with :func:`note_change` inside
:meth:`Database.write`, which records them after the transaction ends (so no
reader can see the new sequence number and still the old rows). On PostgreSQL
the write also announces them to every other process, on any machine, with
NOTIFY (:mod:`grouplink.store.notifications`), and each process's listener
(:mod:`grouplink.store.listener`) records what it hears here. The protocol for a
reader that caches is in :mod:`grouplink.store.read_cache`.
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.counter_file import UnsafePath, open_counters, private_folder

log = structlog.get_logger("grouplink.store")

SLOTS = 4096  # a change to one group marks 1/4095 of the others' entries stale too
TOKENS = 1
_FIRST_GROUP_SLOT = 2
_WORD = 8
NOTED = "grouplink.changes"  # key in the connection's info while a write is open
EVERY_SLOT = range(1, SLOTS)


def group_slot(group_pk: int) -> int:
    return _FIRST_GROUP_SLOT + group_pk % (SLOTS - _FIRST_GROUP_SLOT)


def group_slot_sql(pk_column: str) -> str:
    """:func:`group_slot` in SQL, of the column named ``pk_column``."""
    return f"{_FIRST_GROUP_SLOT} + {pk_column} % {SLOTS - _FIRST_GROUP_SLOT}"


def group_slot_in_sql(group_pk: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """:func:`group_slot`, computed by the database."""
    first: sa.ColumnElement[int] = sa.literal_column(str(_FIRST_GROUP_SLOT), sa.Integer)
    groups: sa.ColumnElement[int] = sa.literal_column(str(SLOTS - _FIRST_GROUP_SLOT), sa.Integer)
    return first + group_pk % groups


class Changes:
    """The counters of one database, shared by the processes of one machine."""

    def __init__(
        self, path: str | None, *, in_private_folder: bool = False, listened: bool = False
    ) -> None:
        self.path = path
        self._in_private_folder = in_private_folder
        self._fd = -1
        self._opened: memoryview | None = None  # mapped on first use: the folder may not exist yet
        # Whether every committed change that may make a kept read stale reaches these
        # counters. On PostgreSQL (``listened``) only while this process's listener
        # listens; for a SQLite file, only if the file could be shared.
        self.complete = not listened
        self._listened = listened

    @property
    def _words(self) -> memoryview:
        if self._opened is None:
            self._opened = memoryview(self._map()).cast("Q")
        return self._opened

    def _map(self) -> mmap.mmap:
        size = SLOTS * _WORD
        if self.path is None:  # a private database (SQLite in memory): this process only
            return mmap.mmap(-1, size)
        try:
            self._fd = open_counters(self.path, in_private_folder=self._in_private_folder)
        except (OSError, UnsafePath) as error:
            # Keep counters for this process alone rather than fail every request. Other
            # processes' changes then reach it only through the listener (PostgreSQL); on
            # SQLite they do not reach it at all, so it keeps no reads.
            if not self._listened:
                self.complete = False
            log.warning(
                "change counters refused: this process keeps its own",
                path=self.path,
                error=str(error),
                cached_reads="on" if self._listened else "off",
            )
            return mmap.mmap(-1, size)
        weakref.finalize(self, os.close, self._fd)
        if os.fstat(self._fd).st_size < size:
            os.ftruncate(self._fd, size)  # zero-filled; never shrinks what others use
        return mmap.mmap(self._fd, size)

    @classmethod
    def of(cls, url: sa.URL) -> Changes:
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                return cls(None)
            return cls(os.path.realpath(url.database) + ".changes")
        # The server, not the spelling of the URL: driver, user and options may differ.
        where = f"{url.host}:{url.port or 5432}/{url.database}".encode()
        name = f"grouplink-{hashlib.sha256(where).hexdigest()[:20]}.changes"
        return cls(os.path.join(private_folder(), name), in_private_folder=True, listened=True)

    def sequence(self) -> int:
        """Advances with every recorded change, on any slot."""
        return int(self._words[0])

    def version(self, slot: int) -> int:
        """The sequence number of the last change recorded on ``slot`` (0: none yet)."""
        return int(self._words[slot])

    def record(self, slots: Iterable[int]) -> None:
        """Mark ``slots`` changed: one new sequence number for all of them."""
        words = self._words
        if self._fd >= 0:  # other processes increment the same words
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            sequence = words[0] + 1
            for slot in slots:
                words[slot] = sequence
            words[0] = sequence  # last: a reader never sees it before the slots
        finally:
            if self._fd >= 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


@dataclass(slots=True)
class Noted:
    """What an open write changes, and which of it a statement already announced."""

    slots: set[int] = field(default_factory=set)
    announced: set[int] = field(default_factory=set)

    @property
    def unannounced(self) -> set[int]:
        return self.slots - self.announced


def note_change(conn: AsyncConnection, slot: int, *, announced: bool = False) -> None:
    """Inside :meth:`Database.write`: this transaction changes what ``slot`` covers.
    ``announced``: a statement of this transaction already sent its NOTIFY."""
    noted: Noted | None = conn.info.get(NOTED)
    if noted is None:
        raise RuntimeError("note_change outside Database.write")
    noted.slots.add(slot)
    if announced:
        noted.announced.add(slot)
