"""How the background loops (rotation, counting opens, webhook delivery) live through
an outage: they never stop, and they say so in the log without filling it.

A fault is logged with its traceback, every time. An outage (:class:`Unavailable`)
is one line when it begins and one when the loop works again; meanwhile the
loop waits longer between rounds, doubling up to ``MAX_WAIT_S`` (or its own period
when that is longer), so that a
database that is down is not asked several times a second by every process.
"""

from __future__ import annotations

from typing import Any

from grouplink.domain.errors import Unavailable

MAX_WAIT_S = 10.0


class Rounds:
    def __init__(self, log: Any, what: str, every_s: float) -> None:
        self.log = log
        self.what = what  # "rotation", "counting opens"...
        self.every_s = every_s
        self._failed = 0  # rounds in a row that met an outage

    @property
    def away(self) -> bool:
        return self._failed > 0

    @property
    def wait_s(self) -> float:
        """How long to wait before the next round."""
        if not self._failed:
            return self.every_s
        longest = max(MAX_WAIT_S, self.every_s)  # a loop that runs seldom runs no more often
        return min(longest, max(self.every_s, 0.5) * 2.0 ** min(self._failed, 16))

    def worked(self) -> None:
        if self._failed:
            self.log.info(f"{self.what} resumed", rounds_missed=self._failed)
            self._failed = 0

    def failed(self, error: Exception) -> None:
        if not isinstance(error, Unavailable):
            self.log.error(f"{self.what} round failed", exc_info=error)
            return
        if not self._failed:
            self.log.warning(f"{self.what} paused: database unreachable", cause=error.cause)
        self._failed += 1
