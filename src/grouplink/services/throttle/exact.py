"""Rate limits in the database, exact: one upsert per hit and rule, in one transaction.

Each rule counts in fixed windows opened by a key's first hit
(:mod:`grouplink.domain.limits`). The upsert returns the window's total after the
hit, every worker's hits included, so the first ``amount`` hits of a window pass
and every later one is refused, however many workers and machines share the
database. A refused hit counts too: it changes nothing in its window, which is
spent already.
"""

from __future__ import annotations

from collections.abc import Sequence

from grouplink.domain.limits import Hit, key_hash, rules_of
from grouplink.services.core import Core
from grouplink.store import counters


class DatabaseCounts:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def take(self, hits: Sequence[Hit]) -> bool:
        """Count each hit in turn; False at the first that a rule refuses (later hits
        are not counted, so a refused address cannot spend a number's budget)."""
        now = self.core.clock()
        async with self.core.db.write() as conn:
            for hit in hits:
                hashed = key_hash(self.core.secret, hit.key)
                for rule in rules_of(hit.rate):
                    counted = counters.Counted(rule.counter(hit.scope), hashed, rule.window_ms)
                    if (await counters.hit(conn, counted, now)).hits > rule.amount:
                        return False
        return True
