"""Rows read recently, kept by one process until a write changes them.

An entry holds the slot of :mod:`grouplink.store.changes` that covers its rows
and that slot's version when it was read; a lookup hands it out only while the
version is unchanged and the entry is younger than its lifetime, drawn between
half of ``seconds`` and ``seconds``. Every process of one machine sees a change
the moment its transaction ends; on PostgreSQL a process on *another* machine
sees it when the NOTIFY reaches its listener, a few milliseconds later. While
the counters may miss changes (:attr:`Changes.complete` is False: the listener
is not connected, or a SQLite process has counters of its own) nothing is handed
out or kept. (The lifetimes differ so that entries kept in one burst, as after a
start, are not all read again in the next: that wave of reads, all at once,
stalled every request behind it.)

The reader's protocol (:meth:`ReadCache.reading`): take the sequence number
before the query; after it, keep the rows only if their slot has not changed
since. A write that ends while the query runs leaves the rows uncached instead
of cached with a version they do not have.

While the database is out of reach (:class:`~grouplink.domain.errors.Unavailable`),
:meth:`ReadCache.through` answers with an entry past its lifetime, for up to
``STALE_IF_UNAVAILABLE_S`` more, as long as no change this process heard of has
touched its rows: a link page, a picture or a token read shortly before keeps
working. It does so even while the counters are not complete: the listener lost
the database too, and the entry is the last this process could know.

A miss (no row) may be kept too, where no write can bring the row into being
later: a link's code is drawn at random when the link is made, so a code that
found nothing never will. Its entry watches no slot and ends with its lifetime.
Kept, an unknown code answers as fast as a deleted link's (a kept row): the
time an answer takes does not tell one from the other.
"""

from __future__ import annotations

import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from grouplink.domain.errors import Unavailable
from grouplink.store.changes import Changes
from grouplink.store.outage import read_again_if_dropped

V = TypeVar("V")

STALE_IF_UNAVAILABLE_S = 300.0


class _Miss:
    """The value of an entry that keeps a miss."""


_MISS = _Miss()


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V | _Miss
    slot: int | None  # None: a kept miss, which no change ends
    version: int
    expires: float
    weight: int


class ReadCache(Generic[V]):
    """A bounded LRU map from a key to rows, checked against the change counters."""

    def __init__(
        self,
        changes: Changes,
        *,
        seconds: float,
        max_entries: int,
        max_weight: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._changes = changes
        self._seconds = seconds
        self._clock = clock
        self._max_entries = max_entries
        self._max_weight = max_weight  # e.g. bytes of pictures, in all entries together
        self._weight = 0
        self._entries: OrderedDict[Hashable, _Entry[V]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._seconds > 0

    def get(self, key: Hashable) -> V | None:
        entry = self._entry(key)
        return None if entry is None or isinstance(entry.value, _Miss) else entry.value

    def _entry(self, key: Hashable) -> _Entry[V] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._changed(entry):
            self._drop(key)
            return None
        if not self._changes.complete or self._clock() >= entry.expires:
            return None  # kept for an outage (see :meth:`through`) until read again or evicted
        self._entries.move_to_end(key)
        return entry

    def _changed(self, entry: _Entry[V]) -> bool:
        return entry.slot is not None and self._changes.version(entry.slot) != entry.version

    def _stale(self, key: Hashable) -> _Entry[V] | None:
        """The entry past its lifetime, while still unchanged and not too old."""
        entry = self._entries.get(key)
        if entry is None or self._changed(entry):
            return None
        return entry if self._clock() < entry.expires + STALE_IF_UNAVAILABLE_S else None

    def reading(self) -> int:
        """Call before the query whose rows may be kept; hand the result to :meth:`keep`."""
        return self._changes.sequence()

    def keep(self, key: Hashable, value: V, slot: int, read_at: int, weight: int = 0) -> None:
        """Keep ``value``, read by a query begun at ``read_at``, unless ``slot`` changed since."""
        if not self.enabled or weight > self._max_weight // 16:
            return
        version = self._changes.version(slot)  # (first: it opens the counters' file)
        if version > read_at or not self._changes.complete:
            return  # changed while (or after) it was read: this value may be the old one
        self._put(key, _Entry(value, slot, version, 0.0, weight))

    def keep_miss(self, key: Hashable) -> None:
        """Keep that ``key`` has no row (see the module's doc for when that is safe)."""
        if self.enabled:
            self._put(key, _Entry(_MISS, None, 0, 0.0, 0))

    def _put(self, key: Hashable, entry: _Entry[V]) -> None:
        if key in self._entries:
            self._drop(key)
        entry.expires = self._clock() + self._seconds * (1 - random.random() / 2)
        self._entries[key] = entry
        self._weight += entry.weight
        while len(self._entries) > self._max_entries or self._weight > self._max_weight:
            self._drop(next(iter(self._entries)))

    async def through(
        self,
        key: Hashable,
        read: Callable[[], Awaitable[V | None]],
        slot_of: Callable[[V], int],
        weight_of: Callable[[V], int] | None = None,
        *,
        keep_misses: bool = False,
    ) -> V | None:
        """The kept value, or ``read()``'s. A None is kept only with ``keep_misses``:
        what is missing may appear next, with nothing noted (a new token, a new link),
        unless its key is a random secret that nothing can make appear. ``read`` must
        only read: it runs again if its connection dies under it."""
        entry = self._entry(key)
        if entry is not None:
            return None if isinstance(entry.value, _Miss) else entry.value
        read_at = self.reading()
        try:
            value = await read_again_if_dropped(read)
        except Unavailable:
            stale = self._stale(key)
            if stale is None:
                raise
            return None if isinstance(stale.value, _Miss) else stale.value
        if value is not None:
            weight = weight_of(value) if weight_of else 0
            self.keep(key, value, slot_of(value), read_at, weight)
        elif keep_misses:
            self.keep_miss(key)
        elif key in self._entries:
            self._drop(key)  # gone (an expired token): never an outage's answer
        return value

    def _drop(self, key: Hashable) -> None:
        self._weight -= self._entries.pop(key).weight
