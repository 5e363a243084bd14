"""Where a benchmark's data lives: an SQLite file or a PostgreSQL database of its own,
made and dropped by the benchmark.

PostgreSQL: the server of ``GROUPLINK_BENCH_POSTGRES_URL`` (default the local one),
databases named ``GROUPLINK_BENCH_DATABASE`` (default ``grouplink_bench``) plus the
number of groups, e.g. ``grouplink_bench_1000000``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import sqlalchemy as sa

from grouplink.settings import normalize_database_url
from grouplink.store.database import Database

BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    return os.environ.get(
        "GROUPLINK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )


def database_prefix() -> str:
    return os.environ.get("GROUPLINK_BENCH_DATABASE", "grouplink_bench")


def plain_postgres_url(url: str) -> str:
    """The URL as libpq and asyncpg read it (no SQLAlchemy driver suffix)."""
    parsed = sa.engine.make_url(normalize_database_url(url))
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    backend: str  # "sqlite" or "postgresql"
    url: str  # as GROUPLINK_DATABASE_URL takes it
    name: str  # the PostgreSQL database, or the SQLite file

    @classmethod
    def for_groups(
        cls, backend: str, groups: int, sqlite_dir: Path, prefix: str | None = None
    ) -> BenchDatabase:
        """SQLite: a file in ``sqlite_dir``; PostgreSQL: ``prefix`` (default
        :func:`database_prefix`) and the number of groups."""
        if backend == "sqlite":
            path = sqlite_dir / f"grouplink-{groups}.db"
            return cls(backend, f"sqlite:///{path}", str(path))
        if backend != "postgresql":
            raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
        name = f"{prefix or database_prefix()}_{groups}"
        admin = sa.engine.make_url(plain_postgres_url(postgres_admin_url()))
        url = admin.set(database=name).render_as_string(hide_password=False)
        return cls(backend, url, name)

    def open(self) -> Database:
        """grouplink's own handle on the database (one connection)."""
        return Database(normalize_database_url(self.url), pool_size=1)

    async def exists(self) -> bool:
        if self.backend == "sqlite":
            return _file_exists(self.name)
        found = await _admin("SELECT 1 FROM pg_database WHERE datname = $1", self.name)
        return bool(found)

    async def create(self) -> None:
        """A new, empty database (an old one of the same name is dropped first)."""
        await self.drop()
        if self.backend == "sqlite":
            _make_parent(self.name)
            return
        await _admin(f'CREATE DATABASE "{self.name}"')

    async def drop(self) -> None:
        if self.backend == "sqlite":
            _remove_sqlite(self.name)
            return
        await _admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _file_exists(path: str) -> bool:
    return Path(path).exists()


def _make_parent(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def _remove_sqlite(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


async def _admin(sql: str, *args: object) -> object:
    conn = await asyncpg.connect(plain_postgres_url(postgres_admin_url()))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()
