"""A fresh PostgreSQL database for the soak, with one business, its token and a webhook
subscription to the soak's receiver, made through grouplink's own services."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import sqlalchemy as sa

from bench.databases import plain_postgres_url
from bench.soak.receiver import VERIFY_TOKEN
from grouplink.domain.actors import Actor
from grouplink.domain.webhooks import FIELDS
from grouplink.services import businesses, subscriptions
from grouplink.services.core import Core
from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.migrate import migrate

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/grouplink_soak"
KEEP_OUT = {"postgres", "template0", "template1"}  # never dropped and made afresh


@dataclass(frozen=True, slots=True)
class Tenant:
    business_id: str
    phone_number_id: str
    token: str
    app_secret: str


def database_name(url: str) -> str:
    name = sa.engine.make_url(plain_postgres_url(url)).database or ""
    if not name or name in KEEP_OUT:
        raise SystemExit(f"--database-url must name a database of the soak's own, not {name!r}")
    return name


async def fresh_database(url: str) -> None:
    """Drop the URL's database if it exists, make it anew, and migrate it."""
    name = database_name(url)
    admin = sa.engine.make_url(plain_postgres_url(url)).set(database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    db = Database(normalize_database_url(url), pool_size=1)
    try:
        await migrate(db)
    finally:
        await db.dispose()


async def drop_database(url: str) -> None:
    name = database_name(url)
    admin = sa.engine.make_url(plain_postgres_url(url)).set(database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def make_tenant(url: str, receiver_url: str) -> Tenant:
    """The business, a token, and every webhook field subscribed to ``receiver_url``
    (which must answer the handshake already)."""
    db = Database(normalize_database_url(url), pool_size=1)
    core = Core(db=db, link_base="http://soak.invalid")
    try:
        await core.load_secret()
        made = await businesses.create_business(core, "Soak")
        token = await businesses.create_token(core, made.business_id, "soak")
        await subscriptions.subscribe(
            core,
            made.business_id,
            receiver_url,
            VERIFY_TOKEN,
            list(FIELDS),
            Actor("soak", "cli"),
            handshake_timeout_s=10,
            allow_private=True,  # the receiver is on loopback
        )
    finally:
        await db.dispose()
    return Tenant(made.business_id, made.phone_number_id, token.token, made.app_secret)
