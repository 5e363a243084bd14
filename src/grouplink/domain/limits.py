"""Rate limits as fixed windows that start at a key's first hit. No I/O.

A rate reads as ``limits`` parses it: ``20/minute``, ``5/15 minutes``, several
joined by ``;``. For each rule, a key's first hit opens a window of the rule's
length; the window takes ``amount`` hits and refuses the rest; the first hit
after it ends opens the next. Counted in one shared counter per key, that is
exact (never a hit more in a window, whatever the number of workers), though
hits at the end of one window and the start of the next may reach twice the
amount within one window's length.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

from limits import parse_many

KEY_HASH_CHARS = 32  # of hex: 128 bits, so keys of different counters never meet


@dataclass(frozen=True, slots=True)
class Rule:
    amount: int  # hits allowed in each window
    window_ms: int

    @property
    def label(self) -> str:
        return f"{self.amount}/{self.window_ms // 1000}s"

    def counter(self, scope: str) -> str:
        """What the counters of ``scope`` under this rule are filed as."""
        return f"{scope}/{self.label}"


@dataclass(frozen=True, slots=True)
class Hit:
    """One hit of ``key`` (an address, a number...) in ``scope``, against ``rate``."""

    rate: str
    scope: str
    key: str


@cache
def rules_of(rate: str) -> tuple[Rule, ...]:
    return tuple(Rule(item.amount, item.get_expiry() * 1000) for item in parse_many(rate))


def key_hash(server_secret: bytes, key: str) -> str:
    """What is kept of a counted key: a keyed hash, so no address or number is stored."""
    digest = hmac.new(server_secret + b":limits", key.encode(), hashlib.sha256).hexdigest()
    return digest[:KEY_HASH_CHARS]
