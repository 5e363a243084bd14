"""The migrations build exactly the schema that ``store/tables.py`` describes, on
both backends: a column or index added to one and not the other fails here."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.migrate import migrate
from grouplink.store.tables import metadata


def differences(database_url: str) -> list[Any]:
    """What autogenerate would add or drop after every migration has run."""

    async def run() -> list[Any]:
        db = Database(normalize_database_url(database_url), pool_size=1)
        try:
            await migrate(db)  # a no-op where the database is already at head
            async with db.engine.connect() as conn:

                def compare(sync_conn: sa.Connection) -> list[Any]:
                    context = MigrationContext.configure(
                        sync_conn, opts={"compare_type": True, "compare_server_default": False}
                    )
                    return list(compare_metadata(context, metadata))

                return await conn.run_sync(compare)
        finally:
            await db.dispose()

    return asyncio.run(run())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_the_tables(
    backend: str, database_urls: dict[str, str | None], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db" if backend == "sqlite" else database_urls[backend]
    if url is None:
        pytest.skip("PostgreSQL is not reachable; CI runs it")
    assert differences(url) == []
