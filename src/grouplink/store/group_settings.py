"""Writing a group's own columns: its subject, description, picture and settings."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.tables import groups


async def set_columns(
    conn: AsyncConnection, group_pk: int, now: int, values: dict[str, Any]
) -> None:
    """Set these columns of the group (named as in ``groups``), and its ``updated_at``."""
    await conn.execute(
        sa.update(groups).where(groups.c.pk == group_pk).values(updated_at=now, **values)
    )
