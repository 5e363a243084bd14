"""Page and picture views, counted in memory and reconciled with the database each second.

A view must not cost a database write (the link page is the hottest path), so each
worker decides from what it knows: the key's shared count as of its last
reconciliation, plus the views it let through since. Every second it adds those
to the shared counters (:mod:`grouplink.store.counters`) in one statement and
reads back the totals, which carry every other worker's views too. Until then a
worker does not know what the others let through: in one window, an address may
get past the limit by at most what each of the other workers lets it through in
one second (and no more than the limit each).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from grouplink.domain.limits import Hit, key_hash, rules_of
from grouplink.services.core import Core
from grouplink.store import counters

log = structlog.get_logger("grouplink.throttle")

MAX_TALLIES = 200_000  # keys one worker follows; past it, new keys are not held back


@dataclass(slots=True)
class _Tally:
    window_ms: int
    ends_at: int  # as this worker knows it: the shared window's end once reconciled
    shared: int = 0  # the window's total at the last reconciliation, this worker's included
    pending: int = 0  # views this worker let through since

    def restart_if_ended(self, now_ms: int) -> None:
        if now_ms >= self.ends_at:  # the next reconciliation says when the shared one ends
            self.ends_at, self.shared, self.pending = now_ms + self.window_ms, 0, 0


class ViewCounts:
    def __init__(self, core: Core) -> None:
        self.core = core
        # By (counter, key): a key is hashed only when it is sent.
        self._tallies: dict[tuple[str, str], _Tally] = {}
        self._full_warned = False

    async def take(self, hits: Sequence[Hit]) -> bool:
        """Let the views through if every rule has room as far as this worker knows;
        only views let through are counted."""
        now = self.core.clock()
        counted = []
        for hit in hits:
            for rule in rules_of(hit.rate):
                slot = (rule.counter(hit.scope), hit.key)
                tally = self._tallies.get(slot)
                if tally is None:
                    if len(self._tallies) >= MAX_TALLIES:
                        self._warn_full()
                        continue
                    tally = self._tallies[slot] = _Tally(rule.window_ms, now + rule.window_ms)
                tally.restart_if_ended(now)
                if tally.shared + tally.pending >= rule.amount:
                    return False
                counted.append(tally)
        for tally in counted:
            tally.pending += 1
        return True

    async def reconcile(self) -> int:
        """Send the views let through since the last time and learn each key's total:
        how many keys were sent. On failure they stay pending for the next time."""
        now = self.core.clock()
        self._tallies = {
            slot: t for slot, t in self._tallies.items() if t.pending or now < t.ends_at
        }
        self._full_warned = False
        sent = [(slot, tally) for slot, tally in self._tallies.items() if tally.pending]
        if not sent:
            return 0
        added = [
            (counters.Counted(counter, key_hash(self.core.secret, key), t.window_ms), t.pending)
            for (counter, key), t in sent
        ]
        async with self.core.db.write() as conn:
            totals = await counters.add_each(conn, added, now)
        for (_, tally), (counted, n) in zip(sent, added, strict=True):
            # Views let through while the statement ran stay pending.
            total = totals[counted]
            tally.pending = max(0, tally.pending - n)
            tally.shared, tally.ends_at = total.hits, total.ends_at
        return len(sent)

    def _warn_full(self) -> None:
        if not self._full_warned:
            log.warning("too many addresses to follow; new ones are held back from next second")
            self._full_warned = True
