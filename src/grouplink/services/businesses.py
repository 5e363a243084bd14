"""Businesses, their phone numbers and their API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from grouplink.domain import ids
from grouplink.domain.errors import BadToken, InvalidParameter, MissingToken
from grouplink.services.core import Core
from grouplink.store import businesses as stored
from grouplink.store import sessions as stored_sessions
from grouplink.store.changes import TOKENS, note_change


@dataclass(frozen=True, slots=True)
class NewBusiness:
    business_id: str
    phone_number_id: str
    display_phone_number: str
    app_secret: str


@dataclass(frozen=True, slots=True)
class NewToken:
    token_id: str
    token: str  # shown once; only its hash is stored


async def create_business(
    core: Core, name: str, display_phone_number: str | None = None
) -> NewBusiness:
    now = core.clock()
    business_id, number_id = ids.numeric_id(15), ids.numeric_id(15)
    display = display_phone_number or "1555" + ids.numeric_id(7)
    secret = ids.app_secret()
    async with core.db.write() as conn:
        await stored.add_business(
            conn,
            business_id=business_id,
            name=name,
            app_secret=secret,
            phone_number_id=number_id,
            display_phone_number=display,
            now=now,
        )
    return NewBusiness(business_id, number_id, display, secret)


async def create_token(core: Core, business_id: str, label: str = "") -> NewToken:
    token, token_id = ids.api_token(), ids.base62(16)
    async with core.db.write() as conn:
        if not await stored.business_exists(conn, business_id):
            raise InvalidParameter(f"No business with id {business_id}")
        await stored.add_token(
            conn,
            token_id=token_id,
            business_id=business_id,
            token_hash=ids.digest(token),
            label=label,
            now=core.clock(),
        )
    return NewToken(token_id, token)


async def revoke_token(core: Core, token_or_id: str) -> bool:
    """Revoke by the token itself or by its id; False if nothing matched."""
    async with core.db.write() as conn:
        revoked = await stored.revoke_token(
            conn, token_id=token_or_id, token_hash=ids.digest(token_or_id), now=core.clock()
        )
        note_change(conn, TOKENS)
    return revoked > 0


async def authenticate(core: Core, authorization: str | None) -> str:
    """The business id behind an ``Authorization: Bearer`` header."""
    return (await bearer_owner(core, authorization)).business_id


async def bearer_owner(core: Core, authorization: str | None) -> TokenOwner:
    """The business and token behind an ``Authorization: Bearer`` header."""
    if not authorization:
        raise MissingToken()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise MissingToken()
    return await token_owner(core, token)


@dataclass(frozen=True, slots=True)
class TokenOwner:
    business_id: str
    token_id: str  # a console session opened with the token ends when it is revoked


async def token_owner(core: Core, token: str) -> TokenOwner:
    """Whose live token this is; ``BadToken`` if it is unknown or revoked."""
    token_hash = ids.digest(token)

    async def read() -> TokenOwner | None:
        async with core.db.read() as conn:
            row = await stored.live_token(conn, token_hash)
        return None if row is None else TokenOwner(str(row.business_id), str(row.id))

    owner: TokenOwner | None = await core.recent.through(
        ("token", token_hash), read, lambda _: TOKENS
    )
    if owner is None:
        raise BadToken()
    return owner


async def session_token_id(core: Core, session_token: str) -> str | None:
    """The API token a business's console session was opened with (None: not known)."""
    async with core.db.read() as conn:
        return await stored_sessions.api_token_id(conn, ids.digest(session_token))


async def rotate_app_secret(core: Core, business_id: str) -> str:
    secret = ids.app_secret()
    async with core.db.write() as conn:
        found = await stored.set_app_secret(conn, business_id, secret)
    if not found:
        raise InvalidParameter(f"No business with id {business_id}")
    return secret
