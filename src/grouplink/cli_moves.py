"""grouplink backup | export | import: keep a copy, and move between databases."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grouplink.settings import Settings

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from grouplink.store.database import Database


def _settings() -> Settings:
    from grouplink.cli import load_settings

    return load_settings()


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Copy the SQLite database to FILE, safely while the server runs.

    SQLite's online backup: the copy is the database at one moment, whatever the
    server writes meanwhile. (PostgreSQL: use pg_dump, or `grouplink export`.)
    """
    import sqlalchemy as sa

    url = sa.engine.make_url(_settings().resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("backup copies an SQLite file; on PostgreSQL use pg_dump")
    if file.exists():
        raise click.ClickException(f"{file} exists; choose a new file")
    source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
    target = sqlite3.connect(file)
    try:
        with target:
            source.backup(target, pages=1024)  # a step at a time: writers are not held up
    finally:
        target.close()
        source.close()
    click.echo(f"backed up {url.database} to {file}", err=True)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export(file: Path) -> None:
    """Write the whole database to FILE, a portable file that `grouplink import` loads
    into SQLite or PostgreSQL. Safe while the server runs: one consistent snapshot."""
    from grouplink.store import portable
    from grouplink.store.database import Database

    settings = _settings()
    if file.exists():
        raise click.ClickException(f"{file} exists; choose a new file")

    async def run() -> dict[str, int]:
        db = Database(settings.resolved_database_url, pool_size=1)
        try:
            total = await _total(db)
            with _bar(total, "exporting") as bar:
                return await portable.export(db, file, bar.update)
        finally:
            await db.dispose()

    counts = asyncio.run(run())
    click.echo(
        f"exported {sum(counts.values()):,} rows of {len(counts)} tables to {file}", err=True
    )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Load FILE (made by `grouplink export`) into the empty database the settings
    name, then check every table's count and a sample of rows."""
    from grouplink.store import portable
    from grouplink.store.database import Database
    from grouplink.store.migrate import migrate

    settings = _settings()

    async def run() -> portable.Moved:
        header = portable.read_header(file)
        db = Database(settings.resolved_database_url, pool_size=1)
        try:
            await migrate(db)
            total = sum(header["counts"].values())
            with _bar(total, "importing") as bar:
                return await portable.load(db, file, bar.update)
        finally:
            await db.dispose()

    try:
        moved = asyncio.run(run())
    except portable.MoveError as error:
        raise click.ClickException(str(error)) from None
    if moved.problems:
        raise click.ClickException("the import does not match: " + "; ".join(moved.problems))
    rows = sum(moved.counts.values())
    click.echo(
        f"imported {rows:,} rows of {len(moved.counts)} tables; counts match, "
        f"{moved.checked} sampled rows read back equal",
        err=True,
    )


def _bar(total: int, label: str) -> ProgressBar[int]:
    """A progress bar on stderr (stdout stays for what a script reads)."""
    return click.progressbar(length=total, label=label, file=sys.stderr)


async def _total(db: Database) -> int:
    from grouplink.store import portable

    async with db.read() as conn:
        return sum((await portable.row_counts(conn)).values())
