"""One-time sign-in codes (``signin_codes``): each row holds a code's hash, never the code."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.queries import Row
from grouplink.store.tables import signin_codes


async def forget_expired_before(conn: AsyncConnection, wa_id: str, before: int) -> None:
    """Delete the number's codes that expired before ``before``."""
    await conn.execute(
        sa.delete(signin_codes).where(
            signin_codes.c.wa_id == wa_id, signin_codes.c.expires_at < before
        )
    )


async def add(
    conn: AsyncConnection,
    *,
    attempt_id: str,
    wa_id: str,
    code_hash: str,
    now: int,
    expires_at: int,
) -> int:
    """A new code: its row's pk."""
    inserted = await conn.execute(
        sa.insert(signin_codes)
        .values(
            id=attempt_id, wa_id=wa_id, code_hash=code_hash, created_at=now, expires_at=expires_at
        )
        .returning(signin_codes.c.pk)
    )
    return int(inserted.scalar_one())


async def retire_before(conn: AsyncConnection, wa_id: str, pk: int, now: int) -> None:
    """Mark used the number's unused codes made before the one with this pk."""
    await conn.execute(
        sa.update(signin_codes)
        .where(
            signin_codes.c.wa_id == wa_id,
            signin_codes.c.pk < pk,
            signin_codes.c.used_at.is_(None),
        )
        .values(used_at=now)
    )


async def delete(conn: AsyncConnection, pk: int) -> None:
    await conn.execute(sa.delete(signin_codes).where(signin_codes.c.pk == pk))


async def hold(conn: AsyncConnection, attempt_id: str) -> Row | None:
    """The attempt's code, its row locked until the transaction ends."""
    query = sa.select(signin_codes).where(signin_codes.c.id == attempt_id).with_for_update()
    return (await conn.execute(query)).first()


async def mark_used(conn: AsyncConnection, pk: int, now: int) -> None:
    await conn.execute(sa.update(signin_codes).where(signin_codes.c.pk == pk).values(used_at=now))


async def count_wrong_try(conn: AsyncConnection, pk: int) -> None:
    await conn.execute(
        sa.update(signin_codes)
        .where(signin_codes.c.pk == pk)
        .values(attempts=signin_codes.c.attempts + 1)
    )
