"""Apply migrations (Alembic) to the configured database.

On PostgreSQL an advisory lock makes concurrent starts (several hosts running
``grouplink serve``) apply each migration once.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.ext.asyncio
from alembic import command
from alembic.config import Config

from grouplink.domain import ids
from grouplink.store.database import Database
from grouplink.store.tables import server_state

_MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x67726F75706C6E6B  # "grouplnk"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _upgrade(sync_conn: sa.Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = sync_conn
    command.upgrade(config, "head")


async def migrate(db: Database) -> None:
    async with db.engine.connect() as conn:
        if not db.is_sqlite:
            await conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
        try:
            await conn.run_sync(_upgrade)
            await conn.commit()
            await _ensure_server_secret(conn)
        except BaseException:
            await conn.rollback()
            raise
        finally:
            if not db.is_sqlite:
                await conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                await conn.commit()


async def _ensure_server_secret(conn: sa.ext.asyncio.AsyncConnection) -> None:
    """One random secret per installation: it signs cursors and seeds BSUIDs."""
    exists = sa.select(server_state.c.key).where(server_state.c.key == "secret")
    if (await conn.execute(exists)).first() is None:
        await conn.execute(sa.insert(server_state).values(key="secret", value=ids.base62(43)))
    await conn.commit()
