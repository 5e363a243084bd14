"""Helpers for tests: businesses made in the test database, common API steps."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import create_async_engine

from grouplink.cli import main as grouplink_main
from grouplink.services import businesses
from grouplink.services.core import Core
from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.migrate import migrate

T = TypeVar("T")
# Every test client waits this long for an answer: httpx's default of 5 s fails
# tests on a machine busy with other work, while a real hang still ends the test.
TIMEOUT_S = 30


@dataclass(frozen=True)
class Business:
    business_id: str
    phone_number_id: str
    token: str
    app_secret: str
    graph: str  # base URL with version: http://127.0.0.1:PORT/v23.0

    @property
    def root(self) -> str:
        return self.graph.rsplit("/", 1)[0]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def with_core(database_url: str, work: Callable[[Core], Awaitable[T]]) -> T:
    """Run ``work`` on the engine over the test database, as the CLI would."""

    async def run() -> T:
        db = Database(normalize_database_url(database_url), pool_size=1)
        try:
            return await work(Core(db=db, link_base=""))
        finally:
            await db.dispose()

    return asyncio.run(run())


@dataclass(frozen=True)
class Ran:
    """What one ``grouplink`` command did: as ``subprocess.CompletedProcess`` says it."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(env: Mapping[str, str], *args: str) -> Ran:
    """``grouplink ARGS`` in this process, with ``env`` set in its environment for the call.

    The same click entry point as the installed command, about 1.5 s less than a new
    Python each time. A crash propagates (``catch_exceptions=False``) and fails the test
    with its traceback. Tests about the process itself (exit on a signal, the installed
    script) start a real one instead."""
    result = CliRunner().invoke(grouplink_main, list(args), env=dict(env), catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def make_business(database_url: str, graph: str) -> Business:
    async def make(core: Core) -> Business:
        made = await businesses.create_business(core, "Test business")
        tok = await businesses.create_token(core, made.business_id, "test")
        return Business(made.business_id, made.phone_number_id, tok.token, made.app_secret, graph)

    return with_core(database_url, make)


def _admin_url() -> sa.URL:
    url = os.environ.get(
        "GROUPLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    return sa.engine.make_url(normalize_database_url(url))


async def _admin(*statements: str) -> None:
    engine = create_async_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


def drop_postgres_database(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def postgres_test_url(name: str, *, required: bool) -> str | None:
    """A fresh, migrated PostgreSQL database called ``name``; None if there is no server."""

    async def run() -> str:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        url = _admin_url().set(database=name).render_as_string(hide_password=False)
        db = Database(url, pool_size=1)
        try:
            await migrate(db)
        finally:
            await db.dispose()
        return url

    try:
        return asyncio.run(run())
    except (OSError, ConnectionError) as exc:
        if required:
            raise RuntimeError(f"PostgreSQL is required in CI but not reachable: {exc}") from exc
        return None


def create_group(api: httpx.Client, biz: Business, **fields: Any) -> dict[str, Any]:
    """Create a group; returns {"id", "request_id", "invite_link", "code"}."""
    body = {"messaging_product": "whatsapp", "subject": "Test group", **fields}
    created = api.post(f"/{biz.phone_number_id}/groups", json=body)
    assert created.status_code == 200, created.text
    group = created.json()
    link = api.get(f"/{group['id']}/invite_link").json()["invite_link"]
    return {**group, "invite_link": link, "code": link.rsplit("/", 1)[1]}


def join(biz: Business, code: str, wa_id: str) -> httpx.Response:
    return httpx.post(
        f"{biz.root}/sandbox/invites/{code}/join",
        json={"wa_id": wa_id},
        headers=biz.auth,
        timeout=TIMEOUT_S,
    )
