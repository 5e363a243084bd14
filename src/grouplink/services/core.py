"""What every service needs: the database, the limits, the clock, who acts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from grouplink.domain.actors import Actor
from grouplink.settings import Settings
from grouplink.store.database import Database
from grouplink.store.read_cache import ReadCache
from grouplink.store.tables import server_state

if TYPE_CHECKING:
    from grouplink.services.businesses import TokenOwner
    from grouplink.store.queries import Row

LINK_CACHE_BYTES = 32 * 1024 * 1024  # of group pictures, per process


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
    cache_seconds: float = 5.0  # see grouplink.store.read_cache; 0 turns the caches off
    recent_tokens: ReadCache[TokenOwner] = field(init=False)  # token hash -> owner
    recent_links: ReadCache[Row] = field(init=False)  # (code, picture?) -> link with its group

    def __post_init__(self) -> None:
        changes, seconds = self.db.changes, self.cache_seconds
        self.recent_tokens = ReadCache(changes, seconds=seconds, max_entries=4096, max_weight=0)
        self.recent_links = ReadCache(
            changes, seconds=seconds, max_entries=8192, max_weight=LINK_CACHE_BYTES
        )

    async def load_secret(self) -> None:
        async with self.db.read() as conn:
            query = sa.select(server_state.c.value).where(server_state.c.key == "secret")
            self.secret = str((await conn.execute(query)).scalar_one()).encode()

    def link_url(self, code: str) -> str:
        return f"{self.link_base}/{code}"


__all__ = ["Actor", "Core", "Limits", "build_core", "now_ms"]


def build_core(settings: Settings) -> Core:
    """The engine as settings describe it (no web framework needed: the CLI uses it too)."""
    db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
    limits = Limits(settings.max_participants, settings.max_groups_per_number)
    return Core(
        db=db,
        link_base=settings.resolved_link_base,
        limits=limits,
        cache_seconds=settings.cache_seconds,
    )
