"""The server's own secret, made once by the migrations (``server_state``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.tables import server_state


async def server_secret(conn: AsyncConnection) -> str:
    query = sa.select(server_state.c.value).where(server_state.c.key == "secret")
    return str((await conn.execute(query)).scalar_one())
