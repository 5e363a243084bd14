"""What every service needs: the database, the limits, the clock, who acts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grouplink.domain.actors import Actor
from grouplink.settings import Settings
from grouplink.store.database import Database
from grouplink.store.read_cache import ReadCache
from grouplink.store.server_secret import server_secret

RECENT_PICTURE_BYTES = 32 * 1024 * 1024  # group pictures kept, per process
# Rows kept, per process: about 1.8 KB an entry with its Python objects (bench/memory.py,
# tracemalloc), so 8,192 hold about 15 MB: the 4 keys of 2,000 groups whose link page,
# picture and Graph info are read (16,384 held 30 MB, a fifth of the 150 MB a worker has).
RECENT_ENTRIES = 8_192


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    max_participants: int = 8
    max_groups_per_number: int = 10_000


@dataclass(slots=True)
class Core:
    db: Database
    link_base: str
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], int] = now_ms
    secret: bytes = b""
    cache_seconds: float = 5.0  # see grouplink.store.read_cache; 0 turns the cache off
    # Rows this process read lately, by a tagged key: ("token", hash), ("link", code,
    # picture?), ("group", business, id), ("participants", group pk), ("primary link", pk).
    recent: ReadCache[Any] = field(init=False)

    def __post_init__(self) -> None:
        self.recent = ReadCache(
            self.db.changes,
            seconds=self.cache_seconds,
            max_entries=RECENT_ENTRIES,
            max_weight=RECENT_PICTURE_BYTES,
        )

    async def load_secret(self) -> None:
        async with self.db.read() as conn:
            self.secret = (await server_secret(conn)).encode()

    def link_url(self, code: str) -> str:
        return f"{self.link_base}/{code}"


__all__ = ["Actor", "Core", "Limits", "build_core", "now_ms"]


def build_core(settings: Settings) -> Core:
    """The engine as settings describe it (no web framework needed: the CLI uses it too)."""
    db = Database(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        busy_timeout_s=settings.sqlite_busy_timeout_seconds,
    )
    limits = Limits(settings.max_participants, settings.max_groups_per_number)
    return Core(
        db=db,
        link_base=settings.resolved_link_base,
        limits=limits,
        cache_seconds=settings.cache_seconds,
    )
