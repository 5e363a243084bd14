"""The whole database in one portable file, and back: a move between SQLite and PostgreSQL.

The file is gzip-compressed JSON lines: a header (format, schema revision, each
table's row count), then for each table, parents before children, a line naming it
and its columns, then its rows as JSON arrays (bytes as base64). It is read and
written a batch at a time, so neither side holds a table in memory.

An import goes into a database at the same schema revision whose tables are empty
(``server_state`` aside: it is replaced, so the installation's secret, and with it
every cursor and BSUID, moves too), in one transaction: a failed import leaves the
database as it was. It then checks that every table holds the counted rows and that
a sample of rows (up to :data:`SAMPLE` a table, spread over it) reads back equal.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.database import Database
from grouplink.store.tables import metadata, server_state

FORMAT = "grouplink-export"
VERSION = 1
BATCH = 5_000
SAMPLE = 50
Progress = Callable[[int], None]  # told how many more rows were moved


class MoveError(Exception):
    """The file or the target database is not fit for the move; nothing was written."""


@dataclass(slots=True)
class Moved:
    counts: dict[str, int]
    checked: int = 0  # sampled rows read back equal
    problems: list[str] = field(default_factory=list)


def _tables() -> list[sa.Table]:
    return list(metadata.sorted_tables)


def _binary(table: sa.Table) -> list[bool]:
    return [isinstance(c.type, sa.LargeBinary) for c in table.columns]


def _encode(row: sa.Row[Any], binary: list[bool]) -> list[Any]:
    return [
        base64.b64encode(v).decode() if b and v is not None else v
        for v, b in zip(row, binary, strict=True)
    ]


def _decode(values: list[Any], binary: list[bool]) -> tuple[Any, ...]:
    return tuple(
        base64.b64decode(v) if b and v is not None else v
        for v, b in zip(values, binary, strict=True)
    )


async def _revision(conn: AsyncConnection) -> str:
    return str(await conn.scalar(sa.text("SELECT version_num FROM alembic_version")))


async def row_counts(conn: AsyncConnection) -> dict[str, int]:
    return {
        t.name: int(await conn.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
        for t in _tables()
    }


async def export(db: Database, path: Path, progress: Progress) -> dict[str, int]:
    """Write every table of ``db`` to ``path``; the rows each table had."""
    async with _snapshot(db) as conn:
        counts = await row_counts(conn)
        header = {"format": FORMAT, "version": VERSION, "schema": await _revision(conn)}
        with gzip.open(path, "wt", encoding="utf-8") as out:
            _line(out, {**header, "counts": counts})
            for table in _tables():
                _line(out, {"table": table.name, "columns": [c.name for c in table.columns]})
                binary = _binary(table)
                order = list(table.primary_key.columns)
                async for rows in _batches(conn, sa.select(table).order_by(*order)):
                    for row in rows:
                        _line(out, _encode(row, binary))
                    progress(len(rows))
    return counts


@asynccontextmanager
async def _snapshot(db: Database) -> AsyncIterator[AsyncConnection]:
    """One transaction that sees the database as it was when it began, while others
    write on (PostgreSQL: REPEATABLE READ; SQLite: a read transaction in WAL mode)."""
    async with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            yield conn


async def _batches(conn: AsyncConnection, query: sa.Select[Any]) -> AsyncIterator[list[Any]]:
    result = await conn.stream(query.execution_options(yield_per=BATCH))
    async for partition in result.partitions(BATCH):
        yield list(partition)


def _line(out: IO[str], value: object) -> None:
    out.write(json.dumps(value, separators=(",", ":")) + "\n")


def read_header(path: Path) -> dict[str, Any]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            header: dict[str, Any] = json.loads(lines.readline())
    except (OSError, ValueError, EOFError) as error:
        raise MoveError(f"{path} is not a grouplink export: {error}") from None
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise MoveError(f"{path} is not a grouplink export of version {VERSION}")
    return header


async def load(db: Database, path: Path, progress: Progress) -> Moved:
    """Load ``path`` into ``db`` (migrated, empty) and check what it holds after."""
    header = read_header(path)
    async with db.write() as conn:
        await _check_target(conn, header)
        await conn.execute(sa.delete(server_state))  # the export's secret replaces this one
        samples = await _insert_all(conn, path, header["counts"], progress)
        if conn.dialect.name == "postgresql":
            await _advance_sequences(conn)
    async with db.read() as conn:
        return await _verify(conn, header["counts"], samples)


async def _check_target(conn: AsyncConnection, header: dict[str, Any]) -> None:
    revision = await _revision(conn)
    if revision != header["schema"]:
        raise MoveError(
            f"the export is at schema {header['schema']}, this database at {revision}: "
            "run the same grouplink version on both sides"
        )
    filled = [
        f"{name} ({n} rows)"
        for name, n in (await row_counts(conn)).items()
        if n and name != server_state.name
    ]
    if filled:
        raise MoveError("the target database is not empty: " + ", ".join(filled))


async def _insert_all(
    conn: AsyncConnection, path: Path, counts: dict[str, int], progress: Progress
) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, a batch at a time; a sample of each table's rows, as loaded."""
    tables = {t.name: t for t in _tables()}
    samples: dict[str, list[tuple[Any, ...]]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        lines.readline()  # the header
        for table, rows in _sections(lines, tables):
            every = max(1, counts.get(table.name, 0) // SAMPLE)
            kept = samples.setdefault(table.name, [])
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                await _insert(conn, table, batch)
                progress(len(batch))
            kept += rows[::every][: SAMPLE - len(kept)]
    return samples


def _sections(
    lines: IO[str], tables: dict[str, sa.Table]
) -> Iterator[tuple[sa.Table, list[tuple[Any, ...]]]]:
    """(table, rows) a batch at a time, in the file's order."""
    table: sa.Table | None = None
    binary: list[bool] = []
    rows: list[tuple[Any, ...]] = []
    for line in lines:
        item = json.loads(line)
        if isinstance(item, dict):
            if table is not None and rows:
                yield table, rows
            rows, table = [], tables.get(item["table"])
            if table is None or item["columns"] != [c.name for c in table.columns]:
                raise MoveError(f"table {item['table']} of the export does not match the schema")
            binary = _binary(table)
            continue
        if table is None:
            raise MoveError("rows before any table in the export")
        rows.append(_decode(item, binary))
        if len(rows) >= BATCH:
            yield table, rows
            rows = []
    if table is not None and rows:
        yield table, rows


async def _insert(conn: AsyncConnection, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
    if conn.dialect.name == "postgresql":
        # COPY: about ten times the rows a second of a multi-row INSERT.
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.copy_records_to_table(
            table.name, records=rows, columns=[c.name for c in table.columns]
        )
        return
    names = [c.name for c in table.columns]
    await conn.execute(sa.insert(table), [dict(zip(names, row, strict=True)) for row in rows])


async def _advance_sequences(conn: AsyncConnection) -> None:
    """Rows came with their keys: each table's sequence continues after the largest."""
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and isinstance(column.type, sa.Integer)
            ):
                sequence = await conn.scalar(
                    sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                    {"t": table.name, "c": column.name},
                )
                if sequence:
                    top = await conn.scalar(sa.select(sa.func.max(column)))
                    await conn.execute(
                        sa.text("SELECT setval(:s, :v, :called)"),
                        {"s": sequence, "v": top or 1, "called": top is not None},
                    )


async def _verify(
    conn: AsyncConnection, counts: dict[str, int], samples: dict[str, list[tuple[Any, ...]]]
) -> Moved:
    moved = Moved(await row_counts(conn))
    for name, expected in counts.items():
        if moved.counts.get(name) != expected:
            moved.problems.append(
                f"{name}: {moved.counts.get(name)} rows, the export has {expected}"
            )
    tables = {t.name: t for t in _tables()}
    for name, rows in samples.items():
        table = tables[name]
        keys = [(n, c) for n, c in enumerate(table.columns) if c.primary_key]
        for row in rows:
            found = (
                await conn.execute(sa.select(table).where(*(c == row[n] for n, c in keys)))
            ).first()
            if found is None or tuple(found) != row:
                moved.problems.append(f"{name}: the row {[row[n] for n, _ in keys]} differs")
            else:
                moved.checked += 1
    return moved
