"""Idempotency keys and the answers kept for them (``idempotency_keys``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.idempotency import Answer
from grouplink.store.tables import idempotency_keys as keys

# The first of the two 32-bit keys of pg_try_advisory_xact_lock(int, int): these locks'
# own space, apart from every other advisory lock ("IDKY").
_PG_LOCK_CLASS = 0x49444B59


@dataclass(frozen=True, slots=True)
class Kept:
    fingerprint: str
    answer: Answer
    created_at: int


_FIND = sa.select(
    keys.c.fingerprint, keys.c.status, keys.c.headers, keys.c.body, keys.c.created_at
).where(keys.c.business_id == sa.bindparam("business_id"), keys.c.key == sa.bindparam("key"))


async def find(conn: AsyncConnection, business_id: str, key: str) -> Kept | None:
    """The business's answer for ``key``, expired or not."""
    row = (await conn.execute(_FIND, {"business_id": business_id, "key": key})).first()
    if row is None:
        return None
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in json.loads(row.headers)
    ]
    return Kept(row.fingerprint, Answer(row.status, headers, bytes(row.body)), row.created_at)


async def lock(conn: AsyncConnection, business_id: str, key: str) -> bool:
    """Take the key for this transaction; False if another transaction holds it.

    On PostgreSQL an advisory lock, let go at commit or rollback. On SQLite the
    transaction already holds the database's one write lock: nobody else can."""
    if conn.dialect.name == "sqlite":
        return True
    digest = hashlib.sha256(f"{business_id}\0{key}".encode()).digest()
    number = int.from_bytes(digest[:4], "big", signed=True)
    query = sa.text("SELECT pg_try_advisory_xact_lock(:class, :key)")
    return bool(await conn.scalar(query, {"class": _PG_LOCK_CLASS, "key": number}))


async def keep(
    conn: AsyncConnection,
    business_id: str,
    key: str,
    fingerprint: str,
    answer: Answer,
    now: int,
    *,
    replacing: bool,
) -> None:
    """Keep ``answer`` for ``key`` (the caller holds :func:`lock`); ``replacing`` an
    expired answer kept for it, that the sweeper has not deleted yet."""
    if replacing:
        where = (keys.c.business_id == business_id, keys.c.key == key)
        await conn.execute(sa.delete(keys).where(*where))
    headers = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in answer.headers]
    await conn.execute(
        sa.insert(keys).values(
            business_id=business_id,
            key=key,
            fingerprint=fingerprint,
            status=answer.status,
            headers=json.dumps(headers),
            body=answer.body,
            created_at=now,
        )
    )


async def delete_before(conn: AsyncConnection, before: int, limit: int) -> int:
    """Delete up to ``limit`` of the oldest keys made before ``before``: how many."""
    oldest = (
        sa.select(keys.c.pk)
        .where(keys.c.created_at < before)
        .order_by(keys.c.created_at)
        .limit(limit)
    )
    result = await conn.execute(sa.delete(keys).where(keys.c.pk.in_(oldest.scalar_subquery())))
    return int(result.rowcount or 0)
