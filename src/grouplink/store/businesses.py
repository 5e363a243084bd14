"""Businesses, their phone numbers and their API tokens (only tokens' hashes are kept)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.queries import Row
from grouplink.store.tables import api_tokens, businesses, phone_numbers


async def add_business(
    conn: AsyncConnection,
    *,
    business_id: str,
    name: str,
    app_secret: str,
    phone_number_id: str,
    display_phone_number: str,
    now: int,
) -> None:
    """A business with its first phone number."""
    await conn.execute(
        sa.insert(businesses).values(
            id=business_id, name=name, app_secret=app_secret, created_at=now
        )
    )
    await conn.execute(
        sa.insert(phone_numbers).values(
            id=phone_number_id,
            business_id=business_id,
            display_phone_number=display_phone_number,
            created_at=now,
        )
    )


async def business_exists(conn: AsyncConnection, business_id: str) -> bool:
    exists = sa.select(businesses.c.id).where(businesses.c.id == business_id)
    return (await conn.execute(exists)).first() is not None


async def add_token(
    conn: AsyncConnection, *, token_id: str, business_id: str, token_hash: str, label: str, now: int
) -> None:
    await conn.execute(
        sa.insert(api_tokens).values(
            id=token_id, business_id=business_id, token_hash=token_hash, label=label, created_at=now
        )
    )


async def revoke_token(conn: AsyncConnection, *, token_id: str, token_hash: str, now: int) -> int:
    """Revoke the live token with this id or this hash: how many were."""
    result = await conn.execute(
        sa.update(api_tokens)
        .where(
            sa.or_(api_tokens.c.id == token_id, api_tokens.c.token_hash == token_hash),
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return result.rowcount


async def live_token(conn: AsyncConnection, token_hash: str) -> Row | None:
    """The unrevoked token with this hash: its ``business_id`` and ``id``."""
    found: Row | None = (await conn.execute(_LIVE_TOKEN, {"token_hash": token_hash})).first()
    return found


_LIVE_TOKEN: sa.Select[Any] = sa.select(api_tokens.c.business_id, api_tokens.c.id).where(
    api_tokens.c.token_hash == sa.bindparam("token_hash"), api_tokens.c.revoked_at.is_(None)
)


async def set_app_secret(conn: AsyncConnection, business_id: str, app_secret: str) -> bool:
    """False if there is no such business."""
    result = await conn.execute(
        sa.update(businesses).where(businesses.c.id == business_id).values(app_secret=app_secret)
    )
    return result.rowcount != 0


async def phone_number(
    conn: AsyncConnection, business_id: str, phone_number_id: str, *, lock: bool
) -> Row | None:
    """The business's phone number, or None if it has no such; with ``lock``, its row
    is held until commit (group creation on one number is serial)."""
    query = sa.select(phone_numbers).where(
        phone_numbers.c.id == phone_number_id, phone_numbers.c.business_id == business_id
    )
    found: Row | None = (await conn.execute(query.with_for_update() if lock else query)).first()
    return found
