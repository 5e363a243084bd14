"""Web sessions: a random token in a cookie, its hash in a row.

The row makes sign-out and expiry hold across worker processes and hosts; the
token itself is never stored. A session belongs to a person (``wa_id``) or to
a business (``business_id``, for the console); a business's session ends when
the API token it was opened with is revoked.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import ids
from grouplink.services.core import Core
from grouplink.store import sessions as stored

TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class Session:
    wa_id: str | None
    business_id: str | None
    expires_at: int
    business_name: str = ""  # what the page bar shows for a business


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # goes into the cookie; only its hash is kept
    expires_at: int


async def start_in(
    conn: AsyncConnection,
    now: int,
    lifetime_s: int,
    *,
    wa_id: str | None = None,
    business_id: str | None = None,
    api_token_id: str | None = None,
) -> NewSession:
    """A new session, inside the caller's transaction."""
    if (wa_id is None) == (business_id is None):
        raise ValueError("a session belongs to a person or to a business")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + lifetime_s * 1000
    # Sign-in is a good moment to forget this owner's sessions that ran out.
    await stored.forget_expired(conn, now, wa_id=wa_id, business_id=business_id)
    await stored.add(
        conn,
        token_hash=ids.digest(token),
        wa_id=wa_id,
        business_id=business_id,
        api_token_id=api_token_id,
        now=now,
        expires_at=expires_at,
    )
    return NewSession(token, expires_at)


async def start_session(
    core: Core,
    lifetime_s: int,
    *,
    wa_id: str | None = None,
    business_id: str | None = None,
    api_token_id: str | None = None,
) -> NewSession:
    async with core.db.write() as conn:
        return await start_in(
            conn,
            core.clock(),
            lifetime_s,
            wa_id=wa_id,
            business_id=business_id,
            api_token_id=api_token_id,
        )


async def resolve(core: Core, token: str | None) -> Session | None:
    """The live session that ``token`` names, or None (unknown, ended or expired)."""
    if not token or len(token) > 128:
        return None
    now = core.clock()
    async with core.db.read() as conn:
        row = await stored.live(conn, ids.digest(token), now)
    if row is None:
        return None
    return Session(row.wa_id, row.business_id, row.expires_at, row.name or "")


async def end_session(core: Core, token: str | None) -> None:
    if not token or len(token) > 128:
        return
    async with core.db.write() as conn:
        await stored.end(conn, ids.digest(token), core.clock())
