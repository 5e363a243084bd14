"""A one-line progress bar on stderr: redrawn in place on a terminal, one line per
finished step otherwise (so logs stay readable)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, label: str, total: int, out: TextIO = sys.stderr) -> None:
        self.label, self.total, self.out = label, max(total, 1), out
        self.done = 0
        self.started = self.drawn = time.monotonic()
        self.live = out.isatty()

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.live and now - self.drawn >= 0.1:
            self.drawn = now
            self.out.write("\r" + self.line(now))
            self.out.flush()

    def finish(self) -> float:
        """Draw the final state on its own line; returns the seconds taken."""
        now = time.monotonic()
        self.out.write(("\r" if self.live else "") + self.line(now) + "\n")
        self.out.flush()
        return now - self.started

    def line(self, now: float) -> str:
        share = min(self.done / self.total, 1.0)
        bar = "#" * round(share * WIDTH)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        return (
            f"  {self.label:<14} [{bar:<{WIDTH}}] {share:>4.0%} "
            f"{self.done:>11,}/{self.total:,}  {elapsed:6.1f} s  {rate:>9,.0f}/s"
        )
