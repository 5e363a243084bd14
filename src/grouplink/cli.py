"""grouplink serve | migrate | token create/revoke | demo | secret rotate."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from grouplink.domain.errors import DomainError
from grouplink.settings import Settings

T = TypeVar("T")


def _with_core(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run one piece of work against a migrated database, then close it."""
    from grouplink.app import build_core
    from grouplink.store.migrate import migrate

    async def run() -> T:
        core = build_core(settings)
        try:
            await migrate(core.db)
            await core.load_secret()
            return await work(core)
        finally:
            await core.db.dispose()

    try:
        return asyncio.run(run())
    except DomainError as error:
        raise click.ClickException(error.details) from None


@click.group()
def main() -> None:
    """Self-hosted group invite links, wire-compatible with the WhatsApp Cloud API."""


@main.command()
@click.option("--host", default=None, help="Interface to bind [GROUPLINK_HOST, 127.0.0.1].")
@click.option("--port", default=None, type=int, help="Port [GROUPLINK_PORT, 8000].")
@click.option("--workers", default=1, show_default=True, help="Worker processes.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Apply migrations, then serve the API, link pages and console."""
    import os

    import uvicorn

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    # Workers are separate processes that read settings from the environment.
    for key, value in overrides.items():
        os.environ[f"GROUPLINK_{key.upper()}"] = str(value)
    _with_core(settings, _noop)
    click.echo(
        f"grouplink on {settings.resolved_public_url} "
        f"({'SQLite' if 'sqlite' in settings.resolved_database_url else 'PostgreSQL'}, "
        f"{workers} worker{'s' if workers > 1 else ''})",
        err=True,
    )
    uvicorn.run(
        "grouplink.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        access_log=False,
        log_level="warning",
    )


async def _noop(_core: Any) -> None:
    return None


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    settings = Settings()
    _with_core(settings, _noop)
    click.echo("database is up to date", err=True)


@main.group()
def token() -> None:
    """API tokens for a business (printed once, stored as a hash)."""


@token.command("create")
@click.argument("business_id")
@click.option("--label", default="", help="A note to tell tokens apart.")
def token_create(business_id: str, label: str) -> None:
    """Make a new token for BUSINESS_ID and print it once."""
    from grouplink.services import businesses

    made = _with_core(Settings(), lambda core: businesses.create_token(core, business_id, label))
    click.echo(json.dumps({"token_id": made.token_id, "token": made.token}))


@token.command("revoke")
@click.argument("token_or_id")
def token_revoke(token_or_id: str) -> None:
    """Revoke a token, given the token itself or its id."""
    from grouplink.services import businesses

    if not _with_core(Settings(), lambda core: businesses.revoke_token(core, token_or_id)):
        click.echo("no such active token", err=True)
        sys.exit(1)
    click.echo("revoked", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print only one JSON object.")
@click.option("--name", default="Demo business", show_default=True)
def demo(as_json: bool, name: str) -> None:
    """Create a fresh business with one phone number and a token."""
    from grouplink.services import businesses

    settings = Settings()

    async def make(core: Any) -> dict[str, str]:
        made = await businesses.create_business(core, name)
        tok = await businesses.create_token(core, made.business_id, "demo")
        return {
            "business_id": made.business_id,
            "phone_number_id": made.phone_number_id,
            "display_phone_number": made.display_phone_number,
            "token": tok.token,
            "token_id": tok.token_id,
            "app_secret": made.app_secret,
            "base_url": f"{settings.resolved_public_url}/v23.0",
        }

    result = _with_core(settings, make)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:22} {value}")


@main.group()
def secret() -> None:
    """The business's app secret, which signs its webhooks."""


@secret.command("rotate")
@click.argument("business_id")
def secret_rotate(business_id: str) -> None:
    """Make a new app secret for BUSINESS_ID and print it."""
    from grouplink.services import businesses

    click.echo(_with_core(Settings(), lambda core: businesses.rotate_app_secret(core, business_id)))


if __name__ == "__main__":
    main()
