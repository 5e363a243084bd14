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


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V
    slot: int
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
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._changes.version(entry.slot) != entry.version:
            self._drop(key)
            return None
        if not self._changes.complete or self._clock() >= entry.expires:
            return None  # kept for an outage (see :meth:`through`) until read again or evicted
        self._entries.move_to_end(key)
        return entry.value

    def _stale(self, key: Hashable) -> V | None:
        """The entry past its lifetime, while still unchanged and not too old."""
        entry = self._entries.get(key)
        if entry is None or self._changes.version(entry.slot) != entry.version:
            return None
        return entry.value if self._clock() < entry.expires + STALE_IF_UNAVAILABLE_S else None

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
        if key in self._entries:
            self._drop(key)
        lifetime = self._seconds * (1 - random.random() / 2)
        self._entries[key] = _Entry(value, slot, version, self._clock() + lifetime, weight)
        self._weight += weight
        while len(self._entries) > self._max_entries or self._weight > self._max_weight:
            self._drop(next(iter(self._entries)))

    async def through(
        self,
        key: Hashable,
        read: Callable[[], Awaitable[V | None]],
        slot_of: Callable[[V], int],
        weight_of: Callable[[V], int] | None = None,
    ) -> V | None:
        """The kept value, or ``read()``'s, kept unless None (what is missing may appear
        next, with nothing noted: a new token, a new link). ``read`` must only read: it
        runs again if its connection dies under it."""
        value = self.get(key)
        if value is not None:
            return value
        read_at = self.reading()
        try:
            value = await read_again_if_dropped(read)
        except Unavailable:
            stale = self._stale(key)
            if stale is None:
                raise
            return stale
        if value is None:
            if key in self._entries:
                self._drop(key)  # gone (an expired token): never an outage's answer
        else:
            weight = weight_of(value) if weight_of else 0
            self.keep(key, value, slot_of(value), read_at, weight)
        return value

    def _drop(self, key: Hashable) -> None:
        self._weight -= self._entries.pop(key).weight
