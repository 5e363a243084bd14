"""Web sessions (``web_sessions``): each row holds a cookie token's hash, never the token."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.queries import Row
from grouplink.store.tables import api_tokens, businesses, web_sessions


async def forget_expired(
    conn: AsyncConnection, now: int, *, wa_id: str | None, business_id: str | None
) -> None:
    """Delete the sessions of this person (or, without ``wa_id``, this business) that
    ran out before ``now``."""
    owner = web_sessions.c.wa_id == wa_id if wa_id else web_sessions.c.business_id == business_id
    await conn.execute(sa.delete(web_sessions).where(owner, web_sessions.c.expires_at < now))


async def add(
    conn: AsyncConnection,
    *,
    token_hash: str,
    wa_id: str | None,
    business_id: str | None,
    api_token_id: str | None,
    now: int,
    expires_at: int,
) -> None:
    await conn.execute(
        sa.insert(web_sessions).values(
            token_hash=token_hash,
            wa_id=wa_id,
            business_id=business_id,
            api_token_id=api_token_id,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def live(conn: AsyncConnection, token_hash: str, now: int) -> Row | None:
    """The session's row and its business's ``name`` (None for a person's), if it has
    not ended, expired, or lost the API token it was opened with."""
    query = (
        sa.select(web_sessions, businesses.c.name)
        .outerjoin(businesses, businesses.c.id == web_sessions.c.business_id)
        .outerjoin(api_tokens, api_tokens.c.id == web_sessions.c.api_token_id)
        .where(
            web_sessions.c.token_hash == token_hash,
            web_sessions.c.ended_at.is_(None),
            web_sessions.c.expires_at > now,
            sa.or_(web_sessions.c.api_token_id.is_(None), api_tokens.c.revoked_at.is_(None)),
        )
    )
    return (await conn.execute(query)).first()


async def end(conn: AsyncConnection, token_hash: str, now: int) -> None:
    await conn.execute(
        sa.update(web_sessions)
        .where(web_sessions.c.token_hash == token_hash, web_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


async def api_token_id(conn: AsyncConnection, token_hash: str) -> str | None:
    """The API token a business's session was opened with (None: not known)."""
    query = sa.select(web_sessions.c.api_token_id).where(web_sessions.c.token_hash == token_hash)
    found = (await conn.execute(query)).scalar()
    return None if found is None else str(found)
