"""Page and picture views, counted in memory and reconciled with the database each second.

A view must not cost a database write (the link page is the hottest path), so each
worker decides from what it knows: the shared count of the window as of its last
reconciliation, plus the views it let through since. Every second it adds those
to the shared counters in one statement and reads back the totals, which carry
every other worker's views too. Until then a worker does not know what the
others let through: over one window, an address may get past the limit by at
most what each of the other workers let it through in one second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from grouplink.domain.limits import Hit, key_hash, rules_of
from grouplink.services.core import Core
from grouplink.store import counters

log = structlog.get_logger("grouplink.throttle")

MAX_TALLIES = 200_000  # windows one worker follows; past it, new keys are not held back

# (counter, key, window start, window end): a key is hashed only when it is sent.
Slot = tuple[str, str, int, int]


@dataclass(slots=True)
class _Tally:
    shared: int = 0  # the window's total at the last reconciliation, this worker's included
    pending: int = 0  # views this worker let through since

    @property
    def known(self) -> int:
        return self.shared + self.pending


class ViewCounts:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._tallies: dict[Slot, _Tally] = {}
        self._full_warned = False

    async def take(self, hits: Sequence[Hit]) -> bool:
        """Let the views through if every rule has room as far as this worker knows;
        only views let through are counted."""
        now = self.core.clock()
        tallies = []
        for hit in hits:
            for rule in rules_of(hit.rate):
                start = rule.window_start(now)
                slot = (rule.counter(hit.scope), hit.key, start, start + rule.window_ms)
                tally = self._tallies.get(slot)
                if tally is None:
                    if len(self._tallies) >= MAX_TALLIES:
                        self._warn_full()
                        continue
                    tally = self._tallies[slot] = _Tally()
                if tally.known >= rule.amount:
                    return False
                tallies.append(tally)
        for tally in tallies:
            tally.pending += 1
        return True

    async def reconcile(self) -> int:
        """Send the views let through since the last time; learn every window's total.
        How many windows were sent. On failure they stay pending for the next time."""
        now = self.core.clock()
        self._tallies = {slot: t for slot, t in self._tallies.items() if slot[3] > now}
        self._full_warned = False
        sent = [(slot, tally.pending) for slot, tally in self._tallies.items() if tally.pending]
        if not sent:
            return 0
        windows = [
            (counters.Window(counter, key_hash(self.core.secret, key), start, end), n)
            for (counter, key, start, end), n in sent
        ]
        async with self.core.db.write() as conn:
            totals = await counters.add_each(conn, windows)
        for (slot, n), (window, _) in zip(sent, windows, strict=True):
            tally = self._tallies.get(slot)
            if tally is not None:  # views since the statement went stay pending
                tally.pending -= n
                tally.shared = totals[window]
        return len(sent)

    def _warn_full(self) -> None:
        if not self._full_warned:
            log.warning(
                "too many addresses to follow; new ones are not limited until the next second"
            )
            self._full_warned = True
