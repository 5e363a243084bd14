"""Fill a benchmark database: groups, their links, people and participants.

    python -m bench.load postgresql --groups 1000000   # 1M groups, 2M links, 5M participants
    python -m bench.load sqlite --groups 100000 --dir bench/.data

The schema comes from grouplink's own migrations; the rows (see bench/dataset.py)
go in with COPY on PostgreSQL and with executemany in one transaction per table
on SQLite, with a progress bar per table. A finished load leaves a marker row in
``server_state``, so a later run can reuse the database (``--reuse`` of
``bench.serving``) and a half-finished one is never mistaken for a full one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import asyncpg
import sqlalchemy as sa

from bench.databases import BACKENDS, BenchDatabase, plain_postgres_url
from bench.dataset import Owner, Rows, Shape, Table, tables
from bench.progress import Progress
from grouplink.domain import ids
from grouplink.services.core import now_ms
from grouplink.store import queries
from grouplink.store.migrate import migrate
from grouplink.store.tables import businesses, server_state

MARKER = "bench_shape"
SEQUENCED = ("groups", "invite_links", "people")  # tables whose pk the loader gave


@dataclass(frozen=True, slots=True)
class Loaded:
    business_id: str
    shape: Shape
    seconds: float  # 0 when an earlier load was reused


class Writer(Protocol):
    async def write(self, table: Table, progress: Progress) -> None: ...
    async def finish(self) -> None: ...


class PostgresWriter:
    """COPY, with foreign-key triggers off for the session (the rows are consistent
    by construction), then sequences moved past the given keys and VACUUM ANALYZE,
    so the planner knows the tables and autovacuum does not wake mid-benchmark."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @classmethod
    async def open(cls, url: str) -> PostgresWriter:
        conn = await asyncpg.connect(plain_postgres_url(url))
        await conn.execute("SET synchronous_commit = off")
        # Not a superuser: foreign keys are checked row by row, which is slower.
        with suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET session_replication_role = replica")
        return cls(conn)

    async def write(self, table: Table, progress: Progress) -> None:
        async def records() -> AsyncIterator[tuple[object, ...]]:
            for chunk in table.chunks():
                for record in chunk:
                    yield record
                progress.advance(len(chunk))

        await self.conn.copy_records_to_table(
            table.name, records=records(), columns=list(table.columns)
        )

    async def finish(self) -> None:
        for name in SEQUENCED:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'pk'), "
                f'(SELECT max(pk) FROM "{name}"))'
            )
        await self.conn.execute("VACUUM ANALYZE")
        await self.conn.close()


class SqliteWriter:
    """executemany, one transaction per table, without fsync while loading."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = OFF")

    async def write(self, table: Table, progress: Progress) -> None:
        columns = ", ".join(f'"{c}"' for c in table.columns)
        marks = ", ".join("?" for _ in table.columns)
        sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
        self.conn.execute("BEGIN")
        for chunk in table.chunks():
            self.conn.executemany(sql, chunk)
            progress.advance(len(chunk))
        self.conn.execute("COMMIT")

    async def finish(self) -> None:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


async def reusable(target: BenchDatabase, shape: Shape) -> str | None:
    """The business id of a finished load of this shape, if the database holds one."""
    if not await target.exists():
        return None
    db = target.open()
    try:
        async with db.read() as conn:
            query = sa.select(server_state.c.value).where(server_state.c.key == MARKER)
            found = (await conn.execute(query)).scalar_one_or_none()
    except sa.exc.DBAPIError:
        return None  # no schema yet
    finally:
        await db.dispose()
    if found is None:
        return None
    marker = json.loads(found)
    return str(marker["business_id"]) if marker["shape"] == shape.signature else None


async def load(target: BenchDatabase, shape: Shape, *, reuse: bool = False) -> Loaded:
    if reuse and (business_id := await reusable(target, shape)) is not None:
        print(f"reusing {target.name} ({shape.signature})", flush=True)
        return Loaded(business_id, shape, 0.0)
    started = time.monotonic()
    await target.create()
    owner = await _make_owner(target, shape)
    rows = Rows(shape, owner, now_ms())
    writer: Writer = (
        await PostgresWriter.open(target.url)
        if target.backend == "postgresql"
        else SqliteWriter(target.name)
    )
    print(f"loading {target.name}: {shape.signature}", flush=True)
    for table in tables(rows):
        progress = Progress(table.name, table.rows)
        await writer.write(table, progress)
        progress.finish()
    await writer.finish()
    await _mark(target, shape, owner.business_id)
    seconds = time.monotonic() - started
    print(f"loaded {target.name} in {seconds:.0f} s", flush=True)
    return Loaded(owner.business_id, shape, seconds)


async def _make_owner(target: BenchDatabase, shape: Shape) -> Owner:
    """Schema (migrations), then the business; its phone numbers come with the rows."""
    db = target.open()
    try:
        await migrate(db)
        business_id = ids.numeric_id(15)
        async with db.write() as conn:
            await conn.execute(
                sa.insert(businesses).values(
                    id=business_id,
                    name="Benchmark business",
                    app_secret=ids.app_secret(),
                    created_at=now_ms(),
                )
            )
            people_secret = await queries.people_secret(conn, business_id)
    finally:
        await db.dispose()
    numbers = [ids.numeric_id(15) for _ in range(shape.numbers)]
    return Owner(business_id, numbers, people_secret)


async def _mark(target: BenchDatabase, shape: Shape, business_id: str) -> None:
    db = target.open()
    try:
        async with db.write() as conn:
            value = json.dumps({"shape": shape.signature, "business_id": business_id})
            await conn.execute(sa.insert(server_state).values(key=MARKER, value=value))
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("backend", choices=BACKENDS)
    parser.add_argument("--groups", type=int, default=1_000_000)
    parser.add_argument(
        "--dir", type=Path, default=Path("bench/.data"), help="where SQLite files go"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep an existing finished load of the same shape"
    )
    args = parser.parse_args()
    target = BenchDatabase.for_groups(args.backend, args.groups, args.dir)
    loaded = asyncio.run(load(target, Shape(args.groups), reuse=args.reuse))
    print(json.dumps({"database": target.url, "business_id": loaded.business_id}))


if __name__ == "__main__":
    main()
